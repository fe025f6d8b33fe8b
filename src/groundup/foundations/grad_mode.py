"""Grad mode: whether operations are recorded for backward (``no_grad``, ``enable_grad``).

Recording a graph costs memory and time; evaluation, optimiser steps and sampling do not
need one. These switches, named as in PyTorch, turn recording off and on again, as a
call, a ``with`` block or a decorator. :mod:`groundup.foundations.autograd` reads
``_GradMode.enabled`` each time an op runs.
"""

from __future__ import annotations

import contextlib
from typing import Any


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
