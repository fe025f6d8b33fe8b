"""Typed run configurations: one ``@dataclass`` per milestone, parsed and checked from its fields.

A milestone's configuration is a frozen dataclass deriving from :class:`RunConfig`. Each
field has a type, a default and a one-line docstring right below it (the help line of
``groundup run --list NAME``)::

    @dataclass(frozen=True)
    class Config(RunConfig):
        hidden: Annotated[tuple[int, ...], Min(1)] = (512, 256)
        \"\"\"Hidden layer sizes.\"\"\"
        lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
        \"\"\"AdamW learning rate.\"\"\"
        data: Literal["mnist-5k", "mnist"] = "mnist-5k"
        \"\"\"Dataset.\"\"\"

``--set KEY=VALUE`` is converted by the field's type: ``int``, ``float``, ``str``,
``bool`` (``true/false/1/0/yes/no/on/off``), ``Literal[...]`` (one of the choices),
``tuple[int, ...]`` / ``list[float]`` (comma-separated, ``hidden=512,256``), and
``X | None`` (``none``). :class:`Min` and :class:`Max` in ``Annotated[...]`` bound a
number, or every item of a tuple. An unknown key, a value of the wrong type or out of
bounds is a :class:`ConfigError` naming the field, its type and the value.

>>> from dataclasses import dataclass
>>> from typing import Annotated
>>> @dataclass(frozen=True)
... class Toy(RunConfig):
...     epochs: Annotated[int, Min(1)] = 3
...     \"\"\"Passes over the data.\"\"\"
>>> configure(Toy, {"epochs": "5"}).epochs
5
>>> configure(Toy, {"epochs": "0"})
Traceback (most recent call last):
...
groundup.milestones.config.ConfigError: --set epochs=0: epochs (int) must be >= 1
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import textwrap
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, get_args, get_origin

from groundup.errors import GroundupError

__all__ = [
    "ConfigError",
    "FieldInfo",
    "Max",
    "Min",
    "RunConfig",
    "as_dict",
    "configure",
    "describe_fields",
    "from_dict",
]

C = TypeVar("C", bound="RunConfig")


class ConfigError(GroundupError):
    """A ``--set`` key or value that the milestone's configuration does not accept."""


class RunConfig:
    """Base of every milestone configuration (a frozen dataclass deriving from it).

    Two hooks, both returning a new configuration (``dataclasses.replace``):

    * :meth:`quick` — the seconds-long variant used by ``--quick`` (tests run it);
    * :meth:`resolve` — after ``--set``: fill values that depend on other fields (e.g.
      epochs by dataset) and raise :class:`ConfigError` for combinations that cannot work.

    A field that is renamed keeps its old name working in ``renamed`` (old name: new name),
    for ``--set`` and for the ``config.json`` of runs made before the rename.
    """

    renamed: typing.ClassVar[dict[str, str]] = {}

    def quick(self: C) -> C:
        """The ``--quick`` variant: tiny data, few steps. Default: unchanged."""
        return self

    def resolve(self: C) -> C:
        """Fill dependent values and check combinations. Default: unchanged."""
        return self


@dataclass(frozen=True)
class NoConfig(RunConfig):
    """The configuration of a milestone without options."""


@dataclass(frozen=True)
class Min:
    """``Annotated[int, Min(1)]``: the value (or every item of a tuple) is at least ``value``."""

    value: float
    exclusive: bool = False

    def violated(self, x: float) -> str | None:
        bad = x <= self.value if self.exclusive else x < self.value
        return f"must be {'>' if self.exclusive else '>='} {self.value:g}" if bad else None


@dataclass(frozen=True)
class Max:
    """``Annotated[float, Max(1)]``: the value (or every item of a tuple) is at most ``value``."""

    value: float
    exclusive: bool = False

    def violated(self, x: float) -> str | None:
        bad = x >= self.value if self.exclusive else x > self.value
        return f"must be {'<' if self.exclusive else '<='} {self.value:g}" if bad else None


@dataclass(frozen=True)
class FieldInfo:
    """One field of a configuration, as ``--list NAME`` shows it."""

    name: str
    type: Any
    """The type without ``Annotated``."""
    bounds: tuple[Min | Max, ...]
    default: Any
    help: str

    @property
    def type_name(self) -> str:
        return type_name(self.type)


def _attribute_docstrings(cls: type) -> dict[str, str]:
    """``{field: first line of the string literal right below it}`` over ``cls``'s bases."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for stmt, nxt in itertools.pairwise(body):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)
            ):
                found[stmt.target.id] = inspect.cleandoc(nxt.value.value).splitlines()[0]
    return found


def _split_annotated(tp: Any) -> tuple[Any, tuple[Min | Max, ...]]:
    if get_origin(tp) is typing.Annotated:
        base, *extras = get_args(tp)
        return base, tuple(e for e in extras if isinstance(e, Min | Max))
    return tp, ()


def describe_fields(cls: type) -> list[FieldInfo]:
    """Every field of the configuration class ``cls`` with its type, bounds, default and help."""
    # the names a config's annotations use, for a class defined outside a module's globals
    names = {"Annotated": typing.Annotated, "Literal": Literal, "Min": Min, "Max": Max}
    hints = typing.get_type_hints(cls, localns=names, include_extras=True)
    helps = _attribute_docstrings(cls)
    out = []
    for f in dataclasses.fields(cls):
        base, bounds = _split_annotated(hints[f.name])
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        out.append(FieldInfo(f.name, base, bounds, default, helps.get(f.name, "")))
    return out


def _optional_inner(tp: Any) -> Any | None:
    """``X`` for ``X | None`` / ``Optional[X]``, else ``None``."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0]
    return None


def type_name(tp: Any) -> str:
    """How a type reads in a message: ``int``, ``one of 'a', 'b'``, ``ints, comma-separated``."""
    inner = _optional_inner(tp)
    if inner is not None:
        return f"{type_name(_split_annotated(inner)[0])} or none"
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if get_origin(tp) in (tuple, list):
        args = [a for a in get_args(tp) if a is not Ellipsis]
        item = type_name(_split_annotated(args[0])[0]) if args else "str"
        if get_origin(tp) is tuple and Ellipsis not in get_args(tp) and len(args) > 1:
            return f"{len(args)} {item}s, comma-separated"
        return f"{item}s, comma-separated"
    return getattr(tp, "__name__", str(tp))


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _convert(tp: Any, raw: Any) -> Any:
    """``raw`` (a string from ``--set``, or a JSON value) as type ``tp``; ValueError if it is not one."""
    tp, _ = _split_annotated(tp)
    inner = _optional_inner(tp)
    if inner is not None:
        if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("none", "")):
            return None
        return _convert(inner, raw)
    origin = get_origin(tp)
    if origin is Literal:
        choices = get_args(tp)
        for c in choices:
            if raw == c or (isinstance(raw, str) and str(c) == raw.strip()):
                return c
        raise ValueError(raw)
    if origin in (tuple, list):
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        if isinstance(raw, str) and raw.strip() == "":
            items = []
        args = get_args(tp)
        if origin is tuple and args and Ellipsis not in args:
            if len(items) != len(args):
                raise ValueError(raw)
            return tuple(_convert(a, v) for a, v in zip(args, items))
        item_type = args[0] if args else str
        values = [_convert(item_type, v) for v in items]
        return tuple(values) if origin is tuple else values
    if tp is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ValueError(raw)
    if tp is int:
        if isinstance(raw, bool):
            raise ValueError(raw)
        if isinstance(raw, int):
            return raw
        text = str(raw).strip().replace("_", "")
        try:
            return int(text)
        except ValueError:
            value = float(text)  # "4e3" is an int written as a float
            if not value.is_integer():
                raise
            return int(value)
    if tp is float:
        if isinstance(raw, bool):
            raise ValueError(raw)
        return float(str(raw).strip()) if isinstance(raw, str) else float(raw)
    if tp is str:
        return str(raw).strip() if isinstance(raw, str) else str(raw)
    return tp(raw)


def _check_bounds(info: FieldInfo, value: Any) -> str | None:
    if value is None:
        return None
    items = value if isinstance(value, tuple | list) else (value,)
    if isinstance(value, tuple | list) and info.bounds and not items:
        return "must not be empty"
    for bound in info.bounds:
        for x in items:
            problem = bound.violated(x)
            if problem:
                return problem if len(items) == 1 and items is not value else f"each item {problem}"
    return None


def configure(cls: type[C], sets: dict[str, str] | None = None, quick: bool = False) -> C:
    """The configuration ``cls()``, its :meth:`~RunConfig.quick` variant if ``quick``, with
    the ``--set`` values ``sets`` applied, checked, then :meth:`~RunConfig.resolve`\\ d.

    Raises
    ------
    ConfigError
        An unknown key (the message lists the valid ones), a value that is not of the
        field's type, or one out of the field's bounds (the message names field, type, value).
    """
    cfg = cls()
    if quick:
        cfg = cfg.quick()
    infos = {f.name: f for f in describe_fields(cls)}
    changes = {}
    for key, raw in (sets or {}).items():
        key = cls.renamed.get(key, key)
        if key not in infos:
            valid = ", ".join(infos) or "none (this milestone has no options)"
            raise ConfigError(f"--set {key}={raw}: unknown option; the options are: {valid}")
        info = infos[key]
        try:
            changes[key] = _convert(info.type, raw)
        except (ValueError, TypeError):
            raise ConfigError(
                f"--set {key}={raw}: {key} must be {_article(info.type_name)}, got {raw!r}"
            ) from None
    cfg = dataclasses.replace(cfg, **changes)
    for info in infos.values():
        problem = _check_bounds(info, getattr(cfg, info.name))
        if problem:
            value = getattr(cfg, info.name)
            shown = changes_text(sets, info.name, value)
            raise ConfigError(f"{shown}: {info.name} ({info.type_name}) {problem}")
    return cfg.resolve()


def changes_text(sets: dict[str, str] | None, name: str, value: Any) -> str:
    """``--set name=raw`` as the user typed it, or ``name=value`` for a default."""
    if sets and name in sets:
        return f"--set {name}={sets[name]}"
    return f"{name}={format_value(value)}"


def _article(name: str) -> str:
    if name.startswith(("one of", "ints", "floats", "strs")) or name[0].isdigit():
        return name
    return ("an " if name[0] in "aeiou" else "a ") + name


def format_value(value: Any) -> str:
    """A field value as ``--set`` takes it: ``512,256``, ``true``, ``none``, ``0.001``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return ",".join(format_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def as_dict(cfg: RunConfig) -> dict[str, Any]:
    """The configuration as JSON-ready values (tuples become lists)."""
    return {f.name: _jsonable(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}  # type: ignore[arg-type]


def _jsonable(v: Any) -> Any:
    return [_jsonable(x) for x in v] if isinstance(v, tuple | list) else v


def from_dict(cls: type[C], values: dict[str, Any]) -> C:
    """The configuration written by :func:`as_dict` (``config.json`` of a run), retyped."""
    infos = {f.name: f for f in describe_fields(cls)}
    values = {cls.renamed.get(k, k): v for k, v in values.items()}
    unknown = set(values) - set(infos)
    if unknown:
        raise ConfigError(
            f"this run's config.json has fields the milestone no longer has: {sorted(unknown)}"
        )
    return cls(**{k: _convert(infos[k].type, v) for k, v in values.items()})
