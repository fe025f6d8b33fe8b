"""The engine's structure (``groundup.foundations.autograd`` and the modules above it).

The engine is a stack, not a circle: ``autograd`` (grad mode, versions, ``Function``,
``backward``) imports only ``grad_mode``; the ops import ``autograd``; ``inplace`` imports
the ops; ``computational_graph`` (``Tensor``) sits on top. And one naming rule holds for
every ``Function`` in the library: none shares its name with a ``Module``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import groundup
from groundup import Tensor
from groundup.foundations.autograd import Function, TensorBase
from groundup.nn_core.module import Module

ENGINE = Path(groundup.__file__).parent / "foundations"

# what each layer may import from groundup (the layers below it and the NumPy-level utils)
LAYERS = {
    "grad_mode.py": set(),
    "autograd.py": {"foundations.grad_mode"},
    "ops/promotion.py": set(),
    "ops/elementwise.py": {"foundations.autograd", "foundations.ops", "utils"},
    "ops/arithmetic.py": {"foundations.autograd", "foundations.ops", "utils"},
    "ops/fused.py": {"foundations.autograd", "foundations.ops", "utils"},
    "ops/indexing.py": {"foundations.autograd", "foundations.ops", "utils"},
    "ops/reduction.py": {"foundations.autograd", "foundations.ops", "utils"},
    "ops/shape.py": {"foundations.autograd", "foundations.ops", "utils"},
    "ops/join.py": {"foundations.autograd", "foundations.ops", "utils"},
    "ops/einsum.py": {"foundations.autograd"},
    "inplace.py": {"foundations.autograd", "foundations.ops"},
    "tensor_args.py": {"foundations.autograd"},
    "computational_graph.py": {
        "foundations.autograd",
        "foundations.ops",
        "foundations.inplace",
        "foundations.tensor_args",
        "utils",
    },
}


def _groundup_imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at top level) for every ``groundup`` import outside ``if TYPE_CHECKING``."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for n in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:  # from a.b import c: a.b.c
            names = [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name.startswith("groundup"):
                found.append((name.removeprefix("groundup."), node in tree.body))
    return found


def test_the_engine_is_a_stack_with_no_import_inside_a_function():
    assert {p.relative_to(ENGINE).as_posix() for p in ENGINE.glob("ops/*.py")} - {
        "ops/__init__.py"
    } <= set(LAYERS), "a new ops module: add it to LAYERS"
    for rel, allowed in LAYERS.items():
        for module, top_level in _groundup_imports(ENGINE / rel):
            assert top_level, f"{rel} imports {module} inside a function"
            assert any(module == a or module.startswith(a + ".") for a in allowed), (
                f"{rel} imports groundup.{module}: allowed are {sorted(allowed)}"
            )


def test_a_function_output_has_the_type_of_its_first_tensor_input():
    class Marked(Tensor):
        __slots__ = ()

    x = Marked._make(Tensor([1.0, 2.0]).data, True)
    y = x.exp() * 2.0
    assert type(y) is Marked
    y.sum().backward()
    assert type(x.grad) is Marked
    assert isinstance(y, TensorBase)


def _all_subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _all_subclasses(sub)
    return out


def test_no_function_shares_its_name_with_a_module():
    for info in pkgutil.walk_packages(groundup.__path__, "groundup."):
        if not info.name.startswith(("groundup.cli", "groundup.milestones", "groundup.__main__")):
            importlib.import_module(info.name)
    functions = {f for f in _all_subclasses(Function) if f.__module__.startswith("groundup.")}
    modules = {m.__name__ for m in _all_subclasses(Module) if m.__module__.startswith("groundup.")}
    assert len(functions) > 50
    clashes = sorted(f"{f.__module__}.{f.__name__}" for f in functions if f.__name__ in modules)
    assert not clashes, f"Functions named like a Module (add the suffix Function): {clashes}"
    for f in functions:
        for name in ("forward", "backward"):
            assert isinstance(inspect.getattr_static(f, name), staticmethod), (f, name)


def test_a_node_prints_the_operation_without_the_suffix():
    from groundup.nn_core.layers.linear import LinearFunction  # noqa: F401 (the suffixed one)

    x = Tensor([[1.0, -2.0]], requires_grad=True)
    assert repr(x.relu().grad_fn) == "<ReLUBackward>"
    assert repr(x.exp().grad_fn) == "<ExpBackward>"
