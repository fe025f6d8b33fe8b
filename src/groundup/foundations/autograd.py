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

import contextlib
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from groundup.foundations.computational_graph import Tensor

# The Tensor class registers itself here on import (it imports this module, not the other
# way round).
_Tensor: Any = None

# --------------------------------------------------------------------------- grad mode


class _GradMode:
    enabled: bool = True


def is_grad_enabled() -> bool:
    """Whether operations are recorded for backward."""
    return _GradMode.enabled


class _GradModeContext(contextlib.ContextDecorator):
    """Base of the grad-mode switches: sets ``_GradMode.enabled`` to ``self.mode`` inside.

    The previous mode is kept on a stack, and a decorated function gets a fresh copy per
    call (``_recreate_cm``), so nesting and recursion restore the right mode.
    """

    mode: bool = True

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def _recreate_cm(self) -> _GradModeContext:
        clone = object.__new__(type(self))
        clone.mode = self.mode
        clone._prev = []
        return clone

    def __enter__(self) -> None:
        self._prev.append(_GradMode.enabled)
        _GradMode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self._prev.pop()


class set_grad_enabled(_GradModeContext):
    """Turn recording on or off: as a call, a ``with`` block, or a decorator (as PyTorch).

    Called as a plain function it takes effect at once; as a context manager or decorator
    the previous mode is restored on exit.

    >>> from groundup import is_grad_enabled, set_grad_enabled
    >>> with set_grad_enabled(False):
    ...     is_grad_enabled()
    False
    >>> is_grad_enabled()
    True
    """

    _before_init: bool | None = None  # set while a `with` has not entered yet

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)
        self._before_init = _GradMode.enabled
        _GradMode.enabled = self.mode  # like torch: takes effect when called

    def __call__(self, func: Any) -> Any:
        # Used as a decorator: undo the switch made by __init__; each call switches itself.
        _GradMode.enabled = self._before_init
        self._before_init = None
        return super().__call__(func)

    def __enter__(self) -> None:
        if self._before_init is None:
            super().__enter__()
        else:  # `with set_grad_enabled(m):` already switched in __init__
            self._prev.append(self._before_init)
            self._before_init = None
            _GradMode.enabled = self.mode


class no_grad(_GradModeContext):
    """Turn off graph recording inside a ``with`` block or a decorated function.

    >>> from groundup import Tensor, no_grad
    >>> x = Tensor([1.0], requires_grad=True)
    >>> with no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):
    """Turn graph recording back on inside a ``no_grad`` block (or as a decorator)."""

    mode = True


# --------------------------------------------------------------------------- Function


class Node:
    """One recorded application of a `Function`: its ``ctx`` and ``grad_fn``.

    ``forward`` stores whatever ``backward`` needs as attributes of this object
    (``ctx.axis = ...``). ``ctx.inputs`` holds the inputs as they were passed (tensors
    or plain values); ``ctx.output`` is the result, held weakly (whoever calls backward
    through this node holds it, so it is alive when needed, and no cycle is made).
    """

    # The engine's own fields are slots; what ``forward`` saves goes to ``__dict__``,
    # so freeing the saved values after backward is one ``clear()``.
    __slots__ = ("__dict__", "__weakref__", "_out", "fn", "freed", "inputs", "needs_input_grad")

    def __init__(self, fn: type[Function], inputs: tuple[Any, ...]) -> None:
        self.fn = fn
        self.inputs = inputs
        self.needs_input_grad: tuple[bool, ...] = ()
        self._out: weakref.ref[Tensor] | None = None
        self.freed = False

    def free(self) -> None:
        """Drop what backward needed (saved values, inputs) once it has run."""
        self.__dict__.clear()
        self.inputs = ()
        self.freed = True

    @property
    def output(self) -> Tensor:
        out = self._out() if self._out is not None else None
        if out is None:
            raise RuntimeError(f"{self.name()}: the output of this operation is no longer alive")
        return out

    def name(self) -> str:
        return f"{self.fn.__name__}Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"


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
        Tensor = _Tensor
        ctx = Node(cls, inputs)
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        out = Tensor._make(cls.forward(ctx, *arrays, **kwargs), False)
        if _GradMode.enabled:
            needs = tuple([isinstance(x, Tensor) and x.requires_grad for x in inputs])
            if True in needs:
                out.requires_grad = True
                out.grad_fn = ctx
                ctx.needs_input_grad = needs
                ctx._out = weakref.ref(out)
        return out


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
            for x, needs in zip(node.inputs, node.needs_input_grad):
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
    Tensor = _Tensor
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
        gradient = Tensor._make(np.ones_like(root.data), False)
    elif not isinstance(gradient, Tensor):
        gradient = Tensor(np.asarray(gradient, dtype=root.data.dtype))
    if tuple(gradient.shape) != tuple(root.shape):
        raise RuntimeError(
            f"gradient has shape {tuple(gradient.shape)} but the output has shape "
            f"{tuple(root.shape)}; they must match"
        )
    if retain_graph is None:
        retain_graph = create_graph
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    only = None if inputs is None else {id(t) for t in inputs}

    with set_grad_enabled(create_graph):
        _run_backward(root, gradient, retain_graph, create_graph, only)


def _run_backward(
    root: Tensor, gradient: Tensor, retain_graph: bool, create_graph: bool, only: set[int] | None
) -> None:
    # BEGIN SOLUTION
    from groundup.foundations.ops.shape import SumToShape

    Tensor = _Tensor
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
        if node.freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({node.name()}): its saved "
                "values were freed after the first backward. Pass retain_graph=True to the first "
                "backward() call if you need to call it again."
            )
        in_grads = node.fn.backward(node, g)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        for x, needs, gx in zip(node.inputs, node.needs_input_grad, in_grads):
            if not needs or gx is None:
                continue
            if gx.data.shape != x.data.shape:
                gx = SumToShape.apply(gx, shape=x.data.shape)
            prev = grads.get(id(x))
            if prev is None:
                grads[id(x)] = gx
            elif create_graph:  # the sum over consumers, recorded
                grads[id(x)] = prev + gx
            else:
                grads[id(x)] = Tensor._make(prev.data + gx.data, False)
        if not retain_graph:
            node.free()
    # END SOLUTION


def _accumulate(t: Tensor, g: Tensor, create_graph: bool) -> None:
    """``t.grad += g`` (a fresh array the first time: ``g`` may be shared with another input)."""
    Tensor = _Tensor
    if create_graph:  # recorded: the gradient is itself a node of the graph
        t.grad = g.clone() if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = Tensor._make(np.array(g.data, dtype=t.data.dtype, copy=True), False)
    else:
        t.grad = Tensor._make(t.grad.data + g.data, False)


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
    Tensor = _Tensor
    xs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for i, x in enumerate(xs):
        if not x.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {tuple(x.shape)}) does not require grad")
    if not isinstance(outputs, Tensor):
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
