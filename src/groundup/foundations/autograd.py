r"""Reverse-mode automatic differentiation: `Function`, the graph's nodes, and `backward`.

Every primitive operation is a :class:`Function` with a ``forward`` that computes the
result from NumPy arrays and a ``backward`` that maps $\partial L/\partial y$ (a
`Tensor`) to $\partial L/\partial x_i$ for each input, written with `Tensor`
operations. Because backward rules are themselves differentiable operations, running
them with grad mode on (``create_graph=True``) records a graph of the gradient, so
gradients of gradients (Hessian-vector products) come for free.

The chain rule, applied in reverse topological order, is

$$\frac{\partial L}{\partial x} = \sum_{y \,\in\, \text{consumers}(x)}
\frac{\partial L}{\partial y}\,\frac{\partial y}{\partial x}.$$

The sum over consumers is why gradients *accumulate* (``+=``), and the topological
order guarantees that $\partial L/\partial y$ is complete before it is propagated.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from groundup.foundations.grad_mode import (  # noqa: F401  (their home is grad_mode)
    _GradMode,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

if TYPE_CHECKING:
    from groundup.foundations.computational_graph import Tensor


# --------------------------------------------------------------------------- TensorBase


class TensorBase:
    """What the graph machinery reads and writes on a tensor; ``Tensor`` adds the operations.

    The engine is a stack: this module (grad mode, versions, ``Function``, ``backward``)
    knows only this base; the ops in :mod:`groundup.foundations.ops` are ``Function``
    subclasses; :class:`~groundup.foundations.computational_graph.Tensor` subclasses this
    base with the methods that call them. A ``Function``'s output has the type of its
    first tensor input, so nothing here imports the class above it.
    """

    __slots__ = (
        "__weakref__",
        "_rebases",  # [(version before an in-place change, the tensor as it was)], or None
        "_retains_grad",
        "_vc",  # version counter shared by the tensors on the same memory, or None
        "_view",  # None, or this tensor views another's memory: (base, index), else ()
        "data",
        "grad",
        "grad_fn",
        "requires_grad",
    )

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool) -> Any:
        """Wrap an array the library computed (no conversion, no checks)."""
        t = object.__new__(cls)
        t.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        t.requires_grad = requires_grad
        t.grad = None
        t.grad_fn = None
        t._retains_grad = False
        t._vc = None
        t._view = None
        t._rebases = None
        return t


# --------------------------------------------------------------------------- versions


def increment_version(tensor: Tensor) -> None:
    """Record that ``tensor``'s memory was changed in place by code outside the engine.

    Writes to ``tensor.data`` (an optimiser's step, a checkpoint load) call this, so that a
    backward through a graph that saved the old values raises instead of silently using
    the new ones (``torch.autograd.graph.increment_version``).
    """
    if tensor._vc is None:
        tensor._vc = [0]
    tensor._vc[0] += 1


# --------------------------------------------------------------------------- Function


_SMALL = (bool, int, float, str, slice, type(None), type(Ellipsis), np.dtype, type)


def _is_small(value: Any) -> bool:
    """Whether a saved value is a size or a flag (kept when a node is freed), not an array."""
    if isinstance(value, _SMALL):
        return True
    return type(value) is tuple and all(isinstance(v, _SMALL) for v in value)


class _FreedInput:
    """Where a freed node's input was in the graph: its ``grad_fn`` and shape, no values.

    Stands in for the tensor in the edges of a node freed by backward, so a second
    backward can still walk the graph while the values themselves are released.
    ``data`` is the object itself: the walk reads only ``x.data.shape``.
    """

    __slots__ = ("data", "dtype", "grad_fn", "shape")
    requires_grad = True
    _retains_grad = False
    _rebases = None
    _vc = None

    def __init__(self, grad_fn: Node, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.grad_fn, self.shape, self.dtype = grad_fn, shape, dtype
        self.data = self


def modified_error(t: Any, saved: int, where: str) -> RuntimeError:
    """PyTorch's message for a tensor changed in place after backward saved it."""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{t.data.dtype} {list(t.data.shape)}], which is {where}, is at "
        f"version {t._version}; expected version {saved} instead. Hint: the operation that "
        "modified it ran after the forward pass that saved it (an optimiser step, x += ..., "
        "x[i] = ..., .zero_(), or a write through a detach()ed alias); clone() it before "
        "changing it, or change it after backward()."
    )


class Node:
    """One recorded application of a `Function`: its ``ctx`` and ``grad_fn``.

    ``forward`` stores whatever ``backward`` needs as attributes of this object
    (``ctx.axis = ...``). ``ctx.inputs`` holds the inputs as they were passed (tensors
    or plain values); ``ctx.output`` is the result, held weakly (whoever calls backward
    through this node holds it, so it is alive when needed, and no cycle is made).

    Reading ``ctx.inputs``, ``ctx.input(i)`` or ``ctx.output`` in ``backward`` checks that
    the tensor was not changed in place since ``forward`` (every in-place change bumps a
    version counter shared by all tensors on the same memory; the versions seen here are
    saved at forward time). A backward that needs only shapes saves them in ``forward``
    and so works even after its inputs changed, as PyTorch's does.
    """

    # The engine's own fields are slots; what ``forward`` saves goes to ``__dict__``,
    # so freeing the saved values after backward is one pass over it.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_inputs",
        "_out",
        "_out_version",
        "_stub",
        "_versions",
        "fn",
        "freed",
        "needs_input_grad",
    )

    def __init__(self, fn: type[Function], inputs: tuple[Any, ...]) -> None:
        self.fn = fn
        self._inputs = inputs
        self.needs_input_grad: tuple[bool, ...] = ()
        self.freed = False
        # set by `Function.apply` when the node is recorded: _out, _versions, _out_version
        self._stub: _FreedInput | None = None

    def __getattr__(self, name: str) -> Any:
        # only reached when ``name`` is not set: after free(), a saved array is gone
        if not name.startswith("__") and object.__getattribute__(self, "freed"):
            raise self._freed_error()
        raise AttributeError(f"{self.name()} has no saved attribute {name!r}")

    def _freed_error(self) -> RuntimeError:
        return RuntimeError(
            f"Trying to backward through the graph a second time ({self.name()}): its saved "
            "values were freed after the first backward. Pass retain_graph=True to the first "
            "backward() call if you need to call it again."
        )

    def _check(self, i: int) -> Any:
        x = self._inputs[i]
        vc = getattr(x, "_vc", None)
        if vc is not None and i < len(self._versions) and vc[0] != self._versions[i]:
            raise modified_error(x, self._versions[i], f"input {i} of {self.name()}")
        return x

    @property
    def inputs(self) -> tuple[Any, ...]:
        """The inputs as passed to ``apply``, checked for in-place changes since then."""
        if self.freed:
            raise self._freed_error()
        for i in range(len(self._inputs)):
            self._check(i)
        return self._inputs

    def input(self, i: int) -> Any:
        """Input ``i`` alone, checked (so a backward reads only what it needs)."""
        if self.freed:
            raise self._freed_error()
        return self._check(i)

    def edges(self) -> tuple[Any, ...]:
        """The inputs as graph edges (no check): where backward sends each gradient.

        A tensor changed in place *while in the graph* (``h += 1`` on a non-leaf) takes a
        new ``grad_fn``; a node recorded before that change still points to the old one.
        """
        ins = self._inputs
        if not _Rebased.any:  # no tensor in any graph was ever changed in place
            return ins
        for x, needs in zip(ins, self.needs_input_grad):
            if needs and x._rebases is not None:
                return tuple(
                    _as_recorded(x, v) if n else x
                    for x, v, n in zip(ins, self._versions, self.needs_input_grad)
                )
        return ins

    def free(self, edges: tuple[Any, ...] | None = None) -> None:
        """Drop what backward needed (saved arrays, the inputs' values) once it has run.

        Sizes and flags stay, and so do the edges (a tensor's place in the graph, without
        its values): a second backward through ops that saved no arrays works, as in PyTorch.
        """
        saved = self.__dict__
        if saved:
            for key in [k for k, v in saved.items() if not _is_small(v)]:
                del saved[key]
        kept = []
        for x, needs in zip(self.edges() if edges is None else edges, self.needs_input_grad):
            if not needs:
                kept.append(None)
            elif x.grad_fn is None or x._retains_grad:  # leaves keep their identity (.grad)
                kept.append(x)
            else:
                kept.append(x.grad_fn.stub(x))
        self._inputs = tuple(kept)
        self.freed = True

    def stub(self, out: Tensor) -> _FreedInput:
        """A stand-in for this node's output in a freed graph: its shape, no values."""
        if self._stub is None:
            self._stub = _FreedInput(self, out.data.shape, out.data.dtype)
        return self._stub

    @property
    def output(self) -> Tensor:
        if self.freed:
            raise self._freed_error()
        out = self._out() if self._out is not None else None
        if out is None:
            raise RuntimeError(f"{self.name()}: the output of this operation is no longer alive")
        vc = out._vc
        if vc is not None and vc[0] != self._out_version:
            raise modified_error(out, self._out_version, f"output 0 of {self.name()}")
        return out

    def name(self) -> str:
        return (
            f"{self.fn.__name__.removesuffix('Function')}Backward"  # LinearFunction: LinearBackward
        )

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class _Rebased:
    """Whether any tensor in a graph was changed in place yet (until then edges are inputs)."""

    any = False


def _as_recorded(x: Any, version: int) -> Any:
    """``x`` as it was when a node recorded it at ``version`` (before later in-place rebases)."""
    for before, old in x._rebases or ():
        if version <= before:
            return old
    return x


class Function:
    """A differentiable primitive: ``forward`` on arrays, ``backward`` on tensors.

    Subclasses define::

        @staticmethod
        def forward(ctx, *arrays, **kwargs) -> np.ndarray
        @staticmethod
        def backward(ctx, grad: Tensor) -> Tensor | None | tuple[Tensor | None, ...]

    ``backward`` returns one gradient per input, each of the *output's* shape where the
    op broadcast its inputs: the engine sums it back to the input's shape
    (:func:`groundup.utils.tensor_utils.sum_to_shape`), so no op does that itself.

    **Names.** A ``Function`` is named after the operation it computes (``Exp``,
    ``MatMul``, ``Convolution2d``). Where a :class:`~groundup.nn_core.module.Module`
    computes the same operation, the Function takes the suffix ``Function`` (``ReLUFunction``
    under ``nn.ReLU``, ``LinearFunction`` under ``nn.Linear``), so no name means both; its
    node prints without the suffix (``ReLUBackward``). ``tests/foundations/test_autograd.py``
    holds every Function in the library to this.
    """

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the inputs' arrays; record the node if an input needs a grad."""
        ctx = Node(cls, inputs)
        arrays = [x.data if isinstance(x, TensorBase) else x for x in inputs]
        out = _output_type(cls, inputs)._make(cls.forward(ctx, *arrays, **kwargs), False)
        if out.data.base is not None:  # a view of an input shares its version counter
            _share_version(out, inputs)
        if _GradMode.enabled:
            needs = tuple([isinstance(x, TensorBase) and x.requires_grad for x in inputs])
            if True in needs:
                out.requires_grad = True
                out.grad_fn = ctx
                ctx.needs_input_grad = needs
                ctx._out = weakref.ref(out)
                # the versions backward will expect (0 for a tensor never changed in place)
                ctx._versions = tuple(
                    [
                        x._vc[0] if isinstance(x, TensorBase) and x._vc is not None else 0
                        for x in inputs
                    ]
                )
                ctx._out_version = 0 if out._vc is None else out._vc[0]
        return out


def _output_type(fn: type[Function], inputs: tuple[Any, ...]) -> type[TensorBase]:
    """The class of ``fn``'s output: that of its first tensor input."""
    for x in inputs:
        if isinstance(x, TensorBase):
            return type(x)
    raise TypeError(f"{fn.__name__}.apply needs at least one tensor input, got only arrays")


def _share_version(out: Tensor, inputs: tuple[Any, ...]) -> None:
    """Give ``out`` the version counter of the input whose memory it views."""
    base = out.data.base
    for x in inputs:
        if isinstance(x, TensorBase) and (x.data is base or x.data.base is base):
            if x._vc is None:
                x._vc = [0]
            out._vc = x._vc
            out._view = ()
            return


# --------------------------------------------------------------------------- backward


def _topological_order(root: Tensor) -> list[Tensor]:
    """Tensors reachable from ``root`` through ``grad_fn``, inputs before consumers.

    Iterative depth-first post-order: a graph of any depth, no recursion limit.
    """
    # BEGIN SOLUTION
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in visited:
            continue
        visited.add(id(t))
        stack.append((t, True))
        node = t.grad_fn
        if node is not None:
            for x, needs in zip(node.edges(), node.needs_input_grad):
                if needs and id(x) not in visited:
                    stack.append((x, False))
    return order
    # END SOLUTION


def backward(
    root: Tensor,
    gradient: Tensor | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate $\\partial\\,\\mathrm{root}/\\partial x$ into ``x.grad`` for every leaf ``x``.

    Same contract as ``torch.Tensor.backward``: ``gradient`` is required unless ``root``
    holds one element; the graph is freed afterwards unless ``retain_graph`` (which
    defaults to ``create_graph``); with ``create_graph`` the gradients are themselves
    recorded, for higher derivatives; with ``inputs`` only those tensors (leaves or
    not) get a ``.grad``.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn: "
            "call backward() on a result computed from tensors with requires_grad=True"
        )
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs: this output has "
                f"shape {tuple(root.shape)}; pass gradient= of that shape"
            )
        gradient = type(root)._make(np.ones_like(root.data), False)
    elif not isinstance(gradient, TensorBase):
        gradient = type(root)._make(np.asarray(gradient, dtype=root.data.dtype), False)
    if tuple(gradient.shape) != tuple(root.shape):
        raise RuntimeError(
            f"gradient has shape {tuple(gradient.shape)} but the output has shape "
            f"{tuple(root.shape)}; they must match"
        )
    if retain_graph is None:
        retain_graph = create_graph
    if isinstance(inputs, TensorBase):
        inputs = (inputs,)
    only = None if inputs is None else {id(t) for t in inputs}

    with set_grad_enabled(create_graph):
        _run_backward(root, gradient, retain_graph, create_graph, only)


def _run_backward(
    root: Tensor, gradient: Tensor, retain_graph: bool, create_graph: bool, only: set[int] | None
) -> None:
    # BEGIN SOLUTION
    # $\partial L/\partial t$ of each tensor still waiting for its consumers' contributions
    grads: dict[int, Tensor] = {id(root): gradient}
    for t in reversed(_topological_order(root)):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        node = t.grad_fn
        # .grad is kept on leaves and retain_grad() tensors, or on exactly ``inputs``
        if (node is None or t._retains_grad) if only is None else id(t) in only:
            _accumulate(t, g, create_graph)
        if node is None:
            continue
        # a node freed by an earlier backward still has its edges; its backward raises
        # only if it reads a saved value (PyTorch's rule)
        in_grads = node.fn.backward(node, g)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        edges = node.edges()
        for x, needs, gx in zip(edges, node.needs_input_grad, in_grads):
            if not needs or gx is None:
                continue
            if gx.data.shape != x.data.shape:
                gx = gx.sum_to_shape(x.data.shape)  # the one place broadcasting is undone
            if gx.data.dtype != x.data.dtype:  # promoted (float32 * float64): back, as PyTorch
                gx = gx.astype(x.data.dtype)
            prev = grads.get(id(x))
            if prev is None:
                grads[id(x)] = gx
            elif create_graph:  # the sum over consumers, recorded
                grads[id(x)] = prev + gx
            else:
                grads[id(x)] = type(prev)._make(prev.data + gx.data, False)
        if not retain_graph:
            node.free(edges)
    # END SOLUTION


def _accumulate(t: Tensor, g: Tensor, create_graph: bool) -> None:
    """``t.grad += g`` (a fresh array the first time: ``g`` may be shared with another input)."""
    if create_graph:  # recorded: the gradient is itself a node of the graph
        t.grad = g.clone() if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = type(g)._make(np.array(g.data, dtype=t.data.dtype, copy=True), False)
    else:
        t.grad = type(g)._make(t.grad.data + g.data, False)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    r"""Gradients of ``outputs`` with respect to ``inputs``, returned instead of accumulated.

    Like ``torch.autograd.grad``: ``.grad`` of the inputs is left as it was. Several
    outputs (with one ``grad_outputs`` entry each, ``None`` for a scalar) give
    $\sum_k \partial\langle g_k, y_k\rangle/\partial x$.

    >>> from groundup import Tensor, grad
    >>> x = Tensor([3.0], requires_grad=True)
    >>> (dx,) = grad((x * x).sum(), x, create_graph=True)
    >>> grad(dx.sum(), x)[0].item()  # d2/dx2 x^2
    2.0
    """
    xs = (inputs,) if isinstance(inputs, TensorBase) else tuple(inputs)
    for i, x in enumerate(xs):
        if not x.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {tuple(x.shape)}) does not require grad")
    if not isinstance(outputs, TensorBase):
        ys = tuple(outputs)
        gs = (None,) * len(ys) if grad_outputs is None else tuple(grad_outputs)
        if len(gs) != len(ys):
            raise ValueError(f"grad: {len(ys)} outputs but {len(gs)} grad_outputs")
        with set_grad_enabled(True):
            # $\sum_k \langle g_k, y_k \rangle$: one root whose gradient is each $g_k$
            outputs = sum(y.sum() if g is None else (y * g).sum() for y, g in zip(ys, gs))
        grad_outputs = None
    saved = [x.grad for x in xs]
    for x in xs:
        x.grad = None
    try:
        backward(outputs, grad_outputs, retain_graph, create_graph, inputs=xs)
        result = tuple(x.grad for x in xs)
    finally:
        for x, g in zip(xs, saved):
            x.grad = g
    if not allow_unused and any(r is None for r in result):
        raise RuntimeError(
            "One of the differentiated tensors appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior."
        )
    return result
