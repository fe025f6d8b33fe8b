'''What a milestone is, what the runner hands it, and how to write one.

A milestone is a small spec — a :class:`Milestone` — in its own module of this package,
assigned to a module-level name ``MILESTONE``; the registry finds it by scanning the
package, so adding a milestone touches no other file. Copy this shape::

    # src/groundup/milestones/my_milestone.py
    from dataclasses import dataclass, replace
    from typing import Annotated, Literal

    from groundup.milestones.base import Milestone, Min, RunConfig, RunContext


    @dataclass(frozen=True)
    class Config(RunConfig):
        """What ``--set KEY=VALUE`` can change; each field's docstring is its help line."""

        hidden: Annotated[tuple[int, ...], Min(1)] = (512, 256)
        """Hidden layer sizes (``--set hidden=256,128``)."""
        epochs: Annotated[int, Min(1)] = 40
        """Passes over the training set (``--epochs N`` sets it too)."""
        lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
        """Learning rate."""
        data: Literal["mnist-5k", "mnist"] = "mnist-5k"
        """Dataset of the registry."""
        train_size: int | None = None
        """Use only the first N training examples (none: all)."""

        def quick(self) -> "Config":
            # --quick: seconds, for tests; --set still overrides these
            return replace(self, hidden=(64,), epochs=3, train_size=1024)


    def train(cfg: Config, ctx: RunContext) -> dict:
        model = ...                                 # built with generator=ctx.rng(0)
        optimizer = ...
        data_rng = ctx.rng(1)                        # every generator: from ctx.rng, before the loop
        loop = ctx.loop(cfg.epochs, model=model, optimizer=optimizer, unit="epoch")
        with ctx.progress(loop.remaining, ctx.name) as bar:
            for epoch in loop:                       # resumes after the last checkpoint
                ...
                loss.backward()
                loop.check(loss)                     # stops at a NaN/inf loss, names the gradient
                optimizer.step()
                ...
                ctx.log(epoch + 1, test_accuracy=acc)  # one row of metrics.jsonl
        return {"test_accuracy": acc}               # the summary


    MILESTONE = Milestone(
        name="my-milestone",
        title="One line saying what is trained on what",
        phase="Phase 2 (implementation curriculum), week 4",   # the week orders --list
        target="test_accuracy >= 0.96",
        expected_time="~40 s",
        train=train,
        config=Config,
        check=lambda s: s["test_accuracy"] >= 0.96,
    )

``groundup run my-milestone`` then builds the configuration (``Config()``, its
``quick()`` with ``--quick``, the ``--set`` values parsed and checked against the field
types and bounds, then ``resolve()``), creates ``runs/my-milestone/<time>/``, calls
``train(cfg, ctx)``, and writes ``summary.json`` (with the resolved configuration and
``passed`` from ``check``) and ``curves.png``. The rules:

* Read options from ``cfg`` only; a default is written once, in the field. A value
  that depends on another field (epochs by dataset) is ``None`` in the field and filled
  in by ``resolve()``, so ``summary.json`` records what actually ran.
* Draw randomness only from ``ctx.rng(stream)`` (0 init, 1 data order, ...), made
  before ``ctx.loop``; keep running values that must survive an interrupt (best
  accuracy, an average, seconds trained) in ``loop.state``. Then ``--resume`` equals an
  uninterrupted run, bit for bit, with nothing written for it in the milestone.
* Call ``loop.check(loss)`` between ``backward()`` and ``step()``.
* ``--quick`` must finish in seconds; its target is not checked. Add a test that an
  interrupted-and-resumed ``--quick`` run equals an uninterrupted one
  (``tests/milestones/``).
'''

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from groundup.milestones.config import ConfigError, Max, Min, NoConfig, RunConfig
from groundup.milestones.loop import NonFiniteLoss, TrainingLoop
from groundup.utils.atomic_io import atomic_write

__all__ = [
    "ConfigError",
    "Max",
    "Milestone",
    "Min",
    "NonFiniteLoss",
    "RunConfig",
    "RunContext",
    "TrainingLoop",
]


@dataclass(frozen=True)
class Milestone:
    """The spec of one runnable experiment of the syllabus."""

    name: str
    """The CLI name, e.g. ``mlp-mnist``."""
    title: str
    """One line: the model, the data, the point of the exercise."""
    phase: str
    """Where it sits in the curricula, e.g. ``Phase 2 (implementation curriculum), week 4``."""
    target: str
    """The target as a person reads it, e.g. ``test_accuracy >= 0.96``."""
    expected_time: str
    """Expected wall time of the default run on 2 CPU cores."""
    train: Callable[[Any, RunContext], dict[str, Any]]
    """``train(cfg, ctx)``: trains and returns the summary metrics."""
    check: Callable[[dict[str, Any]], bool] | None = None
    """Whether a summary meets the target (``None``: no target, e.g. a comparison)."""
    config: type[RunConfig] = NoConfig
    """The configuration dataclass (its fields are the ``--set`` options)."""
    variants: dict[str, str] = field(default_factory=dict)
    """Other ways to run it, as ``{"--set width=16": "~30 min: what it gives"}``, shown by ``--list NAME``."""

    @property
    def week(self) -> int:
        """The curriculum week (the last number after "week" in :attr:`phase`; 99 if none)."""
        found = re.findall(r"weeks?\s+(?:\d+\s*-\s*)?(\d+)", self.phase)
        return int(found[-1]) if found else 99


class RunContext:
    """What a milestone's ``train(cfg, ctx)`` receives from the runner.

    Attributes
    ----------
    name : str
        The milestone's name.
    cfg : RunConfig
        The resolved configuration (also ``train``'s first argument).
    out_dir : Path
        This run's directory, ``runs/NAME/<time>/`` (or the one being resumed).
    seed : int
        The run's seed; :meth:`rng` derives generators from it.
    quick : bool
        Seconds-long mode for tests: tiny data, few steps, no target check.
    resumed : bool
        Whether this run continues an interrupted one (:meth:`loop` restores it).
    """

    def __init__(
        self,
        name: str,
        out_dir: Path,
        cfg: RunConfig | None = None,
        seed: int = 0,
        quick: bool = False,
        resumed: bool = False,
        console: Any = None,
        show_progress: bool = True,
    ) -> None:
        self.name = name
        self.cfg = cfg if cfg is not None else NoConfig()
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.seed = seed
        self.quick = quick
        self.resumed = resumed
        self.show_progress = show_progress
        if console is None:
            from rich.console import Console

            console = Console(stderr=True)
        self.console = console
        self.metrics_path = self.out_dir / "metrics.jsonl"
        self.generators: list[np.random.Generator] = []
        self.x_label: str | None = None
        """What the ``step`` of the logged rows counts (``curves.png``'s x axis); default: the loop's unit."""
        self._loop: TrainingLoop | None = None
        self._t0 = time.perf_counter()
        self._offset = 0.0
        self.metrics_rows = (
            len(self.metrics_path.read_text(encoding="utf-8").splitlines())
            if self.metrics_path.exists()
            else 0
        )

    # ------------------------------------------------------------------ randomness, loop
    def rng(self, stream: int = 0) -> np.random.Generator:
        """A generator for one purpose (``stream``: 0 init, 1 data order, ...), from the run's seed.

        Every generator made here is saved in checkpoints and restored by ``--resume``.
        """
        g = np.random.default_rng([self.seed, stream])
        self.generators.append(g)
        return g

    def loop(self, total: int, **kwargs: Any) -> TrainingLoop:
        """The run's :class:`~groundup.milestones.loop.TrainingLoop` (one per run)."""
        if self._loop is not None:
            raise RuntimeError(f"{self.name}: a run has one ctx.loop(...); this is the second")
        self._loop = TrainingLoop(self, total, **kwargs)
        return self._loop

    @property
    def step_name(self) -> str:
        """The x axis of ``curves.png``: :attr:`x_label`, else the loop's unit, else ``step``."""
        return self.x_label or (self._loop.unit if self._loop is not None else "step")

    def continue_from(self, metrics_rows: int, elapsed: float) -> None:
        """Cut ``metrics.jsonl`` back to ``metrics_rows`` rows and run the clock on from ``elapsed``."""
        lines = (
            self.metrics_path.read_text(encoding="utf-8").splitlines(keepends=True)
            if self.metrics_path.exists()
            else []
        )
        atomic_write(self.metrics_path, "".join(lines[:metrics_rows]))
        self.metrics_rows = min(metrics_rows, len(lines))
        self._offset = float(elapsed)
        self._t0 = time.perf_counter()

    # ------------------------------------------------------------------ logging
    def log(self, step: int | None = None, **metrics: float) -> None:
        """Append one line to ``metrics.jsonl``: ``{"step": ..., "time": s, **metrics}``."""
        row: dict[str, Any] = {"step": step, "time": round(self.elapsed(), 3)}
        row.update(
            {
                k: (float(v) if isinstance(v, np.floating | np.integer) else v)
                for k, v in metrics.items()
            }
        )
        with open(self.metrics_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        self.metrics_rows += 1

    def elapsed(self) -> float:
        """Seconds of this run, including those before an interrupt (up to its checkpoint)."""
        return self._offset + time.perf_counter() - self._t0

    @contextmanager
    def progress(self, total: int, description: str) -> Iterator[Any]:
        """A Rich progress bar with ETA; ``bar.advance(n, loss=..., acc=...)`` shows the metrics."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[metrics]}"),
        )
        with Progress(
            *columns, console=self.console, disable=not self.show_progress, transient=False
        ) as p:
            task = p.add_task(description, total=total, metrics="")

            class _Bar:
                def advance(self, n: int = 1, **metrics: float) -> None:
                    text = "  ".join(
                        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in metrics.items()
                    )
                    p.update(task, advance=n, **({"metrics": text} if metrics else {}))

            yield _Bar()

    # ------------------------------------------------------------------ artefacts
    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / "checkpoint.npz"

    def save_figure(self, fig: Any, name: str) -> Path:
        """Save a Matplotlib figure as ``out_dir/name`` (PNG, atomically) and close it."""
        import io

        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, dpi=110, bbox_inches="tight", format="png")
        plt.close(fig)
        path = self.out_dir / name
        atomic_write(path, buf.getvalue())
        return path

    def write_json(self, name: str, obj: Any) -> Path:
        path = self.out_dir / name
        atomic_write(path, json.dumps(obj, indent=2, default=_json_default))
        return path


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
