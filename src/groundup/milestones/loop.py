"""The training loop of every run: checkpoints, exact resume, and the non-finite-loss guard.

A milestone writes its loop as ``for i in ctx.loop(total, model=..., optimizer=...,
scheduler=..., every=k)``; :class:`TrainingLoop` yields ``0, 1, ..., total - 1`` and,
after every ``k``-th unit (an iteration or an epoch) and after the last one, writes
``checkpoint.npz`` (atomically) holding

* the model's ``state_dict``, the optimiser's and the scheduler's state;
* the state of every random generator the run uses: each one made by ``ctx.rng(...)``
  before the loop, the library's default generator and those held by the model's
  modules (dropout masks);
* ``loop.state``, a dict of the milestone's own running values (best accuracy, an
  average, counters), and ``meta`` (JSON: what a reader of the checkpoint needs, e.g. a
  tokenizer);
* the number of units done, the rows of ``metrics.jsonl`` written, the seconds spent.

With ``--resume`` the runner rebuilds the milestone exactly as before (same config, same
seed, so the same data and the same fresh model), and the loop restores all of the above
before its first unit: ``metrics.jsonl`` is cut back to the rows of the checkpoint, the
clock continues from its seconds, and iteration continues at the next unit. So a resumed
run equals one that was never interrupted, bit for bit.

``loop.check(loss)`` after ``loss.backward()`` and before ``optimizer.step()`` stops the run
at the first non-finite loss with :class:`NonFiniteLoss`, naming the step, the loss and the
largest gradient; the checkpoint on disk stays the last good one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from groundup.errors import GroundupError

if TYPE_CHECKING:
    from groundup.milestones.base import RunContext

__all__ = ["NonFiniteLoss", "TrainingLoop", "load_checkpoint"]

FORMAT = "groundup-run-checkpoint-1"


class NonFiniteLoss(GroundupError):
    """The loss became NaN or infinite: the run stopped, the last good checkpoint is kept."""


def plain(obj: Any) -> Any:
    """What :func:`groundup.nn.load` returns, as plain Python: dicts, lists, ndarrays."""
    from groundup import Tensor

    if isinstance(obj, Tensor):
        return obj.data
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(plain(v) for v in obj)
    return obj


def load_checkpoint(path: Path | str) -> dict[str, Any]:
    """A run's ``checkpoint.npz`` (or the one in a run directory) as plain dicts and arrays.

    Keys: ``done``, ``unit``, ``model`` (name -> array), ``optimizer``, ``scheduler``,
    ``rngs``, ``state``, ``meta``, ``metrics_rows``, ``elapsed``.
    """
    from groundup.nn import load

    path = Path(path)
    if path.is_dir():
        path = path / "checkpoint.npz"
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        saved = plain(load(path))
    except Exception as exc:  # not an npz, or truncated
        raise ValueError(f"{path} is not a groundup run checkpoint ({exc})") from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise ValueError(f"{path} is not a groundup run checkpoint (no {FORMAT!r} marker)")
    return saved


def _storable(d: dict[str, Any]) -> dict[str, Any]:
    """The entries of a scheduler's state that a checkpoint can hold (not its lambdas)."""

    def has_callable(v: Any) -> bool:
        return callable(v) or (isinstance(v, list | tuple) and any(callable(x) for x in v))

    return {k: v for k, v in d.items() if not has_callable(v)}


def _model_generators(model: Any) -> list[np.random.Generator]:
    if model is None:
        return []
    return [
        g
        for module in model.modules()
        if isinstance(g := getattr(module, "generator", None), np.random.Generator)
    ]


def _unique(gens: list[np.random.Generator]) -> list[np.random.Generator]:
    out: list[np.random.Generator] = []
    for g in gens:
        if all(g is not h for h in out):
            out.append(g)
    return out


def _grad_norms(model: Any) -> list[tuple[str, float]]:
    """``(name, ||grad||)`` of every parameter with a gradient (``inf`` if not finite)."""
    out = []
    for name, p in model.named_parameters():
        g = getattr(p, "grad", None)
        if g is None:
            continue
        g = np.asarray(getattr(g, "data", g), dtype=np.float64)
        norm = float(np.sqrt(np.sum(g * g))) if np.all(np.isfinite(g)) else math.inf
        out.append((name, norm))
    return out


class TrainingLoop:
    """Iterate over the units of a run, checkpointing and resuming; see the module docstring.

    Parameters
    ----------
    ctx : RunContext
        The run.
    total : int
        Units (iterations, epochs, ...) of the whole run.
    model, optimizer, scheduler : optional
        What is saved and restored (each may be ``None``).
    every : int
        Save after every ``every`` units (and after the last one).
    unit : str
        What one unit is called in messages (``"iteration"``, ``"epoch"``).
    state : dict, optional
        Initial running values of the milestone (restored on resume).
    meta : dict, optional
        JSON metadata stored with every checkpoint.
    """

    def __init__(
        self,
        ctx: RunContext,
        total: int,
        *,
        model: Any = None,
        optimizer: Any = None,
        scheduler: Any = None,
        every: int = 1,
        unit: str = "step",
        state: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        from groundup.utils.seeding import default_generator

        if total < 0 or every < 1:
            raise ValueError(f"loop: total must be >= 0 and every >= 1, got {total} and {every}")
        self.ctx = ctx
        self.total = int(total)
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.every = int(every)
        self.unit = unit
        self.state: dict[str, Any] = dict(state or {})
        self.meta: dict[str, Any] = dict(meta or {})
        self.generators = _unique([*ctx.generators, default_generator(), *_model_generators(model)])
        self.start = 0
        self.current: int | None = None
        self.saved_at: int | None = None
        if ctx.resumed and ctx.checkpoint_path.exists():
            self._restore()

    # ------------------------------------------------------------------ iteration
    def __len__(self) -> int:
        return self.total - self.start

    @property
    def remaining(self) -> int:
        """Units still to run (the progress bar's total)."""
        return self.total - self.start

    def __iter__(self) -> Iterator[int]:
        for i in range(self.start, self.total):
            self.current = i
            yield i
            done = i + 1
            if done % self.every == 0 or done == self.total:
                self.save(done)
        self.current = None

    # ------------------------------------------------------------------ guard
    def check(self, loss: Any, model: Any = None, where: str | None = None) -> float:
        """The loss as a float; :class:`NonFiniteLoss` if it is NaN or infinite.

        Call it after ``loss.backward()`` and before ``optimizer.step()``: the message
        names ``where`` (default: the current unit), the loss and the parameter with the
        largest gradient of ``model`` (default: the loop's model).
        """
        value = float(loss.item() if hasattr(loss, "item") else loss)
        if math.isfinite(value):
            return value
        model = model if model is not None else self.model
        where = where or f"{self.unit} {(self.current or 0) + 1}"
        blame = ""
        if model is not None:
            norms = _grad_norms(model)
            if norms:
                name, norm = max(norms, key=lambda t: t[1])
                blame = f"; the largest gradient is {name}'s (norm {norm:.4g})"
        if self.saved_at is not None:
            kept = f"the last good checkpoint ({self.unit} {self.saved_at}) is {self.ctx.checkpoint_path}"
        else:
            kept = "no checkpoint had been written yet"
        raise NonFiniteLoss(
            f"{self.ctx.name}: the loss is {value} at {where}{blame}. Training stopped: "
            f"{kept}. A smaller learning rate (--set lr=...) usually cures this."
        )

    # ------------------------------------------------------------------ checkpoints
    def save(self, done: int) -> None:
        """Write the checkpoint after ``done`` units (atomically)."""
        from groundup.nn import save

        if self.model is not None:
            bad = [n for n, p in self.model.named_parameters() if not np.all(np.isfinite(p.data))]
            if bad:
                raise NonFiniteLoss(
                    f"{self.ctx.name}: parameter {bad[0]} is not finite after {self.unit} {done};"
                    f" the checkpoint of {self.unit} {self.saved_at} is kept"
                )
        checkpoint = {
            "format": FORMAT,
            "done": done,
            "unit": self.unit,
            "model": self.model.state_dict() if self.model is not None else None,
            "optimizer": self.optimizer.state_dict() if self.optimizer is not None else None,
            "scheduler": (
                _storable(self.scheduler.state_dict()) if self.scheduler is not None else None
            ),
            "rngs": [g.bit_generator.state for g in self.generators],
            "state": self.state,
            "meta": self.meta,
            "metrics_rows": self.ctx.metrics_rows,
            "elapsed": self.ctx.elapsed(),
        }
        save(checkpoint, self.ctx.checkpoint_path)
        self.saved_at = done

    def _restore(self) -> None:
        try:
            saved = load_checkpoint(self.ctx.checkpoint_path)
        except ValueError as exc:
            raise GroundupError(f"cannot resume {self.ctx.out_dir}: {exc}") from None
        if len(saved["rngs"]) != len(self.generators):
            raise GroundupError(
                f"cannot resume {self.ctx.out_dir}: the checkpoint holds {len(saved['rngs'])} "
                f"random generators, this run made {len(self.generators)} (was the code changed?)"
            )
        if self.model is not None:
            self.model.load_state_dict(saved["model"])
        if self.optimizer is not None:
            self.optimizer.load_state_dict(saved["optimizer"])
        if self.scheduler is not None and saved["scheduler"] is not None:
            self.scheduler.load_state_dict(dict(saved["scheduler"]))
        for g, s in zip(self.generators, saved["rngs"]):
            g.bit_generator.state = _plain_state(s)
        self.state.update(saved["state"] or {})
        self.start = self.saved_at = int(saved["done"])
        self.ctx.continue_from(saved["metrics_rows"], saved["elapsed"])
        self.ctx.console.print(
            f"resumed {self.ctx.out_dir} after {self.unit} {self.start} of {self.total}"
        )


def _plain_state(d: Any) -> Any:
    """A loaded (ordered, nested) mapping as plain dicts, as ``bit_generator.state`` wants."""
    return {k: _plain_state(v) if isinstance(v, dict) else v for k, v in d.items()}
