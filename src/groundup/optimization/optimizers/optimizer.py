r"""The `Optimizer` base class: parameter groups, per-parameter state, and checkpoints.

Every optimiser in this package updates parameters in place,
$\theta_t = \theta_{t-1} - \eta\,u_t$, where the update $u_t$ is what tells them apart.
This class holds what they share, with PyTorch's layout:

* ``param_groups`` — a list of dicts, each with its own ``"params"`` and its own
  hyper-parameters (``"lr"``, ``"weight_decay"``, ...): the usual way to train the
  body of a network with one learning rate and its head with another;
* ``state`` — a dict from parameter to that parameter's running quantities (momentum
  buffer, $m$ and $v$ of Adam, ...);
* ``zero_grad``, ``step``, ``state_dict``/``load_state_dict``, ``add_param_group``.

>>> import numpy as np
>>> from groundup import Tensor
>>> from groundup.optimization.optimizers.sgd import SGD
>>> w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).sum().backward()
>>> opt.step()                     # w <- w - 0.1 * 2w
>>> w.tolist()
[0.8, 1.6]
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from groundup.foundations.autograd import increment_version
from groundup.foundations.computational_graph import Tensor

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class _Required:
    """Marks a hyper-parameter that has no default and must be given."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class of every optimiser.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The tensors to optimise, or parameter groups: dicts with a ``"params"`` entry and
        any hyper-parameters that override ``defaults`` for that group.
    defaults : dict
        The hyper-parameters of a group that does not set them.

    Subclasses implement :meth:`step`, reading ``p.grad`` for each ``p`` of each group,
    skipping parameters whose ``grad`` is ``None``, and keeping their running quantities
    in ``self.state[p]``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every step writes into the parameters' arrays: bump their version counters, so a
        # backward through a graph built before the step raises (PyTorch's rule; the GAN
        # mistake of opt_D.step() before loss_G.backward()) instead of using the new values.
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None:

            @functools.wraps(step)
            def counted_step(self: Optimizer, *args: Any, **kw: Any) -> Any:
                result = step(self, *args, **kw)
                self._increment_versions()
                return result

            cls.step = counted_step  # type: ignore[method-assign]

    def _increment_versions(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    increment_version(p)

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__} (wrap a single tensor in a list)"
            )
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        lines.append(")")
        return "\n".join(lines)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (e.g. layers unfrozen during fine-tuning).

        Hyper-parameters missing from ``param_group`` take the optimiser's defaults; a
        parameter may belong to one group only.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one computed from others)")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]) or len(
            {id(p) for p in group["params"]}
        ) != len(group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ------------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: ``None`` (the default; frees memory) or arrays of zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.data[...] = 0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; see the subclass for the rule."""
        raise NotImplementedError

    def _eval_closure(self, closure: Callable[[], Any] | None) -> Any:
        """Re-evaluate the loss (with gradients recorded) when a closure is given."""
        if closure is None:
            return None
        from groundup.foundations.autograd import enable_grad

        with enable_grad():
            return closure()

    @staticmethod
    def _grad(p: Tensor, maximize: bool) -> np.ndarray:
        r"""$g = \nabla_\theta f$, or $-\nabla_\theta f$ to maximise $f$."""
        g = p.grad.data
        return -g if maximize else g

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The optimiser's state and hyper-parameters, with parameters replaced by indices.

        Same layout as PyTorch: ``{"state": {index: {name: value}}, "param_groups":
        [{..., "params": [index, ...]}]}``, indices counting the parameters of all groups
        in order. Arrays are copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: copy.deepcopy(s)
            for group in self.param_groups
            for p in group["params"]
            if (s := self.state.get(p))
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` onto this optimiser's parameters (same structure)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(groups)} parameter groups, but this optimizer has "
                f"{len(self.param_groups)}"
            )
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group {i} of {len(saved['params'])} "
                    f"parameters that doesn't match the size of the optimizer's group "
                    f"({len(group['params'])} parameters)"
                )
        self.state = {}
        # keys are parameter indices; a checkpoint stored as JSON may have made them strings
        saved_state = {int(k): v for k, v in state_dict["state"].items()}
        for saved, group in zip(groups, self.param_groups):
            for idx, p in zip(saved["params"], group["params"]):
                if int(idx) in saved_state:
                    self.state[p] = {
                        k: _cast_like(copy.deepcopy(v), p) for k, v in saved_state[int(idx)].items()
                    }
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})


def _cast_like(value: Any, p: Tensor) -> Any:
    """State arrays follow the dtype of their parameter (a float32 checkpoint on float64)."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        if value.shape != p.shape:
            raise ValueError(
                f"loaded optimizer state of shape {value.shape} for a parameter of shape {p.shape}"
            )
        return value.astype(p.dtype, copy=False)
    return value


__all__ = ["Optimizer", "ParamsT", "required"]
