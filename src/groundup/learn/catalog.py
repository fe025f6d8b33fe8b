"""The exercises and tracks of the course, read from TOML.

``course/exercises.toml`` (and any ``course/exercises/*.toml``, read after it in name order,
one file per phase or topic) holds one ``[[exercise]]`` table per exercise::

    [[exercise]]
    id = "math-utils"                        # what the learner types
    title = "Stable softmax and logsumexp"
    modules = ["groundup.utils.math_utils"]  # files the learner writes (solution regions)
    tests = ["tests/utils/test_math_utils.py"]  # pytest node ids / files (the module's own tests)
    k = ""                                   # optional pytest -k expression
    task = "one line: what to write"
    hints = ["a nudge", "the formula", "the shape bookkeeping"]
    depends_on = []                          # exercise ids
    gradcheck = ""                           # optional "module:function" with a backward
    gradcheck_shapes = [[3, 4]]              # float64 inputs of those shapes

``course/tracks/*.toml`` hold one syllabus each: ``[[group]]`` (phase, month, chapter,
lesson or topic) with ``[[group.item]]`` rows pointing to library ``paths``, exercises, a
lesson and a milestone. An item whose library part does not exist is "not yet available".
Exercises are linked through the item's ``paths``, and the lesson (unless given) is the
first lesson of the track's ``course/`` folder that names one of those modules. An item's
``id`` (what ``groundup learn done ID`` takes) is its code ("A1 ..." -> ``a1``, "Lesson 9:
..." -> ``lesson-9``) or its title in lower case with dashes, unless given.

The exercises are done in :func:`exercise_order`: the dependency graph of ``depends_on``,
as close to a track's order as that graph allows.
"""

from __future__ import annotations

import heapq
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from groundup.errors import GroundupError

PACKAGE_DIR = Path(__file__).resolve().parents[1]
"""``src/groundup``: the reference library the stubs are cut from."""


def course_dir() -> Path:
    """The ``course/`` directory (``$GROUNDUP_COURSE_DIR`` or the repository's)."""
    env = os.environ.get("GROUNDUP_COURSE_DIR")
    path = Path(env) if env else PACKAGE_DIR.parents[1] / "course"
    if not (path / "exercises.toml").is_file():
        raise GroundupError(
            f"no course/exercises.toml at {path}: the workbench needs the groundup source "
            "checkout (pip install -e .) or GROUNDUP_COURSE_DIR pointing to its course/ folder"
        )
    return path


def repo_root() -> Path:
    """The checkout that holds ``tests/`` (the exercise tests run from here)."""
    return course_dir().parent


def module_path(module: str) -> Path:
    """``groundup.utils.math_utils`` -> path relative to the package root's parent (``groundup/utils/math_utils.py``)."""
    parts = module.split(".")
    if parts[0] != "groundup" or len(parts) < 2:
        raise GroundupError(f"module {module!r}: expected a 'groundup.<...>' module name")
    return Path(*parts[:-1]) / f"{parts[-1]}.py"


def reference_file(module: str) -> Path:
    """The library's own source file of ``module``."""
    return PACKAGE_DIR.parent / module_path(module)


@dataclass(frozen=True)
class Exercise:
    """One exercise: the modules a learner writes and the tests that judge them."""

    id: str
    title: str
    modules: tuple[str, ...]
    tests: tuple[str, ...]
    task: str
    hints: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    k: str = ""
    gradcheck: str = ""
    gradcheck_shapes: tuple[tuple[int, ...], ...] = ()

    @property
    def message(self) -> str:
        """The stub's ``NotImplementedError`` text."""
        return f"{self.id}: {self.task}"


@dataclass(frozen=True)
class Item:
    """One row of a track: a syllabus item, the library parts and exercises behind it."""

    title: str
    starred: bool = False
    paths: tuple[str, ...] = ()
    exercises: tuple[str, ...] = ()
    lesson: str = ""
    milestone: str = ""
    extra: dict = field(default_factory=dict, hash=False, compare=False)
    id: str = ""

    @property
    def available(self) -> bool:
        """Whether every library file the item names exists (and it names at least one)."""
        return bool(self.paths) and all((PACKAGE_DIR / p).is_file() for p in self.paths)


@dataclass(frozen=True)
class Group:
    """A phase, month, chapter, lesson block or topic of a track."""

    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Track:
    """One syllabus as data."""

    id: str
    title: str
    source: str
    groups: tuple[Group, ...]

    def items(self) -> list[Item]:
        """Every item, in syllabus order."""
        return [i for g in self.groups for i in g.items]


def _tuple(v: object) -> tuple:
    return tuple(v) if isinstance(v, list) else ((v,) if v else ())


@cache
def _load_exercises(paths: tuple[Path, ...]) -> dict[str, Exercise]:
    out: dict[str, Exercise] = {}
    where: dict[str, Path] = {}
    for path in paths:
        with path.open("rb") as f:
            raw = tomllib.load(f)
        for e in raw.get("exercise", []):
            missing = {"id", "title", "modules", "tests", "task"} - set(e)
            if missing:
                raise GroundupError(
                    f"{path}: exercise {e.get('id', '?')!r} lacks {sorted(missing)}"
                )
            if e["id"] in out:
                raise GroundupError(
                    f"{path}: exercise id {e['id']!r} appears twice (first in {where[e['id']]})"
                )
            where[e["id"]] = path
            out[e["id"]] = Exercise(
                id=e["id"],
                title=e["title"],
                modules=_tuple(e["modules"]),
                tests=_tuple(e["tests"]),
                task=e["task"],
                hints=_tuple(e.get("hints", [])),
                depends_on=_tuple(e.get("depends_on", [])),
                k=e.get("k", ""),
                gradcheck=e.get("gradcheck", ""),
                gradcheck_shapes=tuple(tuple(s) for s in e.get("gradcheck_shapes", [])),
            )
    for ex in out.values():
        for d in ex.depends_on:
            if d not in out:
                raise GroundupError(f"{where[ex.id]}: exercise {ex.id!r} depends on unknown {d!r}")
    cycle = _find_cycle({e.id: e.depends_on for e in out.values()})
    if cycle:
        raise GroundupError(
            f"{where[cycle[0]]}: exercises depend on each other in a circle: {' -> '.join(cycle)}"
        )
    return out


def _find_cycle(graph: dict[str, tuple[str, ...]]) -> list[str]:
    """A cycle of ``graph`` (node -> the nodes it depends on) as ``[a, b, ..., a]``, or ``[]``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for root in graph:
        if root in state:
            continue
        path, stack = [root], [iter(graph[root])]
        state[root] = 1
        while stack:  # iterative depth-first search: no recursion limit
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph[nxt]))
    return []


def exercise_files() -> tuple[Path, ...]:
    """``course/exercises.toml``, then ``course/exercises/*.toml`` in name order."""
    root = course_dir()
    return (root / "exercises.toml", *sorted((root / "exercises").glob("*.toml")))


def exercises() -> dict[str, Exercise]:
    """Every exercise by id, in file order."""
    return _load_exercises(exercise_files())


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise ``exercise_id``; the error lists the known ids."""
    all_ = exercises()
    if exercise_id not in all_:
        close = [i for i in all_ if exercise_id.lower() in i] or list(all_)
        raise GroundupError(
            f"no exercise {exercise_id!r}; known: {', '.join(close[:12])}"
            + (" ..." if len(close) > 12 else "")
        )
    return all_[exercise_id]


def exercise_of_module(module: str) -> Exercise | None:
    """The exercise whose learner file is ``module``, if any."""
    return next((e for e in exercises().values() if module in e.modules), None)


def exercise_order(track_id: str | None = None) -> list[str]:
    """Every exercise, each after the ones it depends on, otherwise in the track's order.

    Among the exercises whose prerequisites are all placed, the next is the one that
    comes first in the track (``track_id``; without one, the catalogue). An exercise the
    track does not list goes just before the first exercise that needs it or, needed by
    none, just after its neighbour in the catalogue (and its prerequisites).

    >>> order = exercise_order("implementation")
    >>> order.index("momentum") < order.index("sgd") < order.index("adam")
    True
    """
    exs = exercises()
    catalogue = list(exs)
    in_track: dict[str, int] = {}
    if track_id is not None:
        for it in get_track(track_id).items():
            for e in it.exercises:
                in_track.setdefault(e, len(in_track))
    else:
        in_track = {e: n for n, e in enumerate(catalogue)}
    needed_by: dict[str, list[str]] = {e: [] for e in exs}
    for ex in exs.values():
        for d in ex.depends_on:
            needed_by[d].append(ex.id)

    # where each exercise would go by itself: its place in the track, or (not listed) one
    # step after its neighbour in the catalogue
    base: dict[str, tuple[int, int]] = {}
    before = (-1, 0)
    for e in catalogue:
        base[e] = before = (in_track[e], 0) if e in in_track else (before[0], before[1] + 1)
    keys: dict[str, tuple[int, int]] = {}

    def key(e: str) -> tuple[int, int]:
        # an exercise the track does not list moves up to the first exercise that needs
        # it; this follows the graph towards its dependents, which has no cycle
        if e not in keys:
            keys[e] = base[e]
            if e not in in_track and needed_by[e]:
                keys[e] = min(base[e], *(key(d) for d in needed_by[e]))
        return keys[e]

    waiting = {e: len(ex.depends_on) for e, ex in exs.items()}
    ready = [(key(e), catalogue.index(e), e) for e, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        *_, e = heapq.heappop(ready)
        order.append(e)
        for d in needed_by[e]:
            waiting[d] -= 1
            if waiting[d] == 0:
                heapq.heappush(ready, (key(d), catalogue.index(d), d))
    return order


LESSON_DIRS = {"six-month": "implementation"}
"""Tracks whose lessons live in another track's folder of ``course/``."""


@cache
def _lessons(folder: Path) -> tuple[tuple[str, str], ...]:
    """(path relative to ``course/``, text) of every lesson in ``folder``, in name order."""
    if not folder.is_dir():
        return ()
    return tuple(
        (p.relative_to(folder.parent).as_posix(), p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob("*.md"))
        if p.name != "index.md"
    )


def _find_lesson(track_id: str, title: str, paths: tuple[str, ...]) -> str:
    """The item's lesson: the file named by its code ("A2 ..." -> ``a2-*.md``, "Lesson 3: ..."
    -> ``03-*.md``), else the first lesson of the track that names one of its modules."""
    folder = course_dir() / LESSON_DIRS.get(track_id, track_id)
    lessons = _lessons(folder)
    m = re.match(r"([A-Ea-e]\d)\b|Lesson (\d+):", title)
    if m:
        prefix = m[1].lower() + "-" if m[1] else f"{int(m[2]):02d}-"
        named = [rel for rel, _ in lessons if rel.split("/")[-1].startswith(prefix)]
        if named:
            return f"course/{named[0]}"
    modules = ["groundup." + p.removesuffix(".py").replace("/", ".") for p in paths]
    for rel, text in lessons:
        if any(m in text for m in modules):
            return f"course/{rel}"
    return ""


def item_id(title: str) -> str:
    """An item's id from its title: its code (``a1``, ``lesson-9``) or the title as a slug.

    >>> item_id("A1 introduction to mathematical notation"), item_id("Lesson 9: Tooling")
    ('a1', 'lesson-9')
    >>> item_id("Trust Region Policy Optimization (TRPO)")
    'trust-region-policy-optimization-trpo'
    """
    m = re.match(r"([A-Ea-e]\d)\b|Lesson (\d+):", title)
    if m:
        return m[1].lower() if m[1] else f"lesson-{int(m[2])}"
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@cache
def _load_track(path: Path) -> Track:
    with path.open("rb") as f:
        raw = tomllib.load(f)
    keys = {"title", "starred", "paths", "exercises", "lesson", "milestone", "id"}
    seen: dict[str, str] = {}
    by_path: dict[str, list[str]] = {}
    for ex in exercises().values():
        for m in ex.modules:
            by_path.setdefault(module_path(m).relative_to("groundup").as_posix(), []).append(ex.id)
    groups = []
    for g in raw.get("group", []):
        items = []
        for it in g.get("item", []):
            linked = list(_tuple(it.get("exercises", [])))
            for p in _tuple(it.get("paths", [])):
                linked += [e for e in by_path.get(p, []) if e not in linked]
            unknown = [e for e in linked if e not in exercises()]
            if unknown:
                raise GroundupError(
                    f"{path}: item {it['title']!r} names unknown exercises {unknown}"
                )
            iid = it.get("id") or item_id(it["title"])
            if iid in seen:
                raise GroundupError(
                    f"{path}: items {seen[iid]!r} and {it['title']!r} have the same id {iid!r}; "
                    "give one an `id = ...`"
                )
            seen[iid] = it["title"]
            items.append(
                Item(
                    id=iid,
                    title=it["title"],
                    starred=bool(it.get("starred", False)),
                    paths=_tuple(it.get("paths", [])),
                    exercises=tuple(linked),
                    lesson=it.get("lesson", "")
                    or _find_lesson(
                        raw.get("id", path.stem), it["title"], _tuple(it.get("paths", []))
                    ),
                    milestone=it.get("milestone", ""),
                    extra={k: v for k, v in it.items() if k not in keys},
                )
            )
        groups.append(Group(title=g["title"], items=tuple(items)))
    return Track(
        id=raw.get("id", path.stem),
        title=raw["title"],
        source=raw.get("source", ""),
        groups=tuple(groups),
    )


def tracks() -> dict[str, Track]:
    """Every track by id (``implementation``, ``six-month``, ``formulas``, ``alignment``, ``study-guide``)."""
    out = {}
    for path in sorted((course_dir() / "tracks").glob("*.toml")):
        t = _load_track(path)
        out[t.id] = t
    return out


def get_track(track_id: str) -> Track:
    """The track ``track_id``; the error lists the known ones."""
    all_ = tracks()
    if track_id not in all_:
        raise GroundupError(f"no track {track_id!r}; known: {', '.join(all_)}")
    return all_[track_id]
