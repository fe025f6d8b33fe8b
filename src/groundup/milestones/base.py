"""What a milestone is, and what the runner hands it.

A milestone is a small spec — a :class:`Milestone` — in its own module of this package,
assigned to a module-level name ``MILESTONE``; the registry finds it by scanning the
package, so adding a milestone touches no other file::

    # src/groundup/milestones/my_milestone.py
    from groundup.milestones.base import Milestone, RunContext

    def train(ctx: RunContext) -> dict:
        ...                                   # train, calling ctx.log(...) as you go
        return {"test_accuracy": acc}        # the summary

    MILESTONE = Milestone(
        name="my-milestone",
        title="One line saying what is trained on what",
        phase="Phase 2",
        target="test_accuracy >= 0.96",
        expected_time="~40 s on 2 cores",
        train=train,
        check=lambda s: s["test_accuracy"] >= 0.96,
    )

``groundup run my-milestone`` then creates ``runs/my-milestone/<time>/``, calls
``train(ctx)``, writes ``summary.json`` (with ``passed`` from ``check``) and plots every
metric logged with ``ctx.log`` to ``curves.png``. ``--quick`` sets ``ctx.quick``: the
milestone must then finish in seconds (tests run it); the target is not checked.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from groundup.utils.atomic_io import atomic_write


@dataclass(frozen=True)
class Milestone:
    """The spec of one runnable experiment of the syllabus."""

    name: str
    """The CLI name, e.g. ``mlp-mnist``."""
    title: str
    """One line: the model, the data, the point of the exercise."""
    phase: str
    """Where it sits in the curricula, e.g. ``Phase 2 (implementation curriculum)``."""
    target: str
    """The target as a person reads it, e.g. ``test_accuracy >= 0.96``."""
    expected_time: str
    """Expected wall time of the default run on 2 CPU cores."""
    train: Callable[[RunContext], dict[str, Any]]
    """Trains and returns the summary metrics."""
    check: Callable[[dict[str, Any]], bool] | None = None
    """Whether a summary meets the target (``None``: no target, e.g. a comparison)."""
    variants: dict[str, str] = field(default_factory=dict)
    """Other ways to run it, as ``{"--set width=16": "~30 min: what it gives"}``, shown by ``--list``."""
    options: dict[str, str] = field(default_factory=dict)
    """The ``--set KEY=VALUE`` options it understands, with a help line each."""


class RunContext:
    """What a milestone's ``train`` receives from the runner.

    Attributes
    ----------
    name : str
        The milestone's name.
    out_dir : Path
        This run's directory, ``runs/NAME/<time>/`` (or the one being resumed).
    seed : int
        The run's seed; :meth:`rng` derives generators from it.
    quick : bool
        Seconds-long mode for tests: tiny data, few steps, no target check.
    epochs : int or None
        ``--epochs`` override (``None``: the milestone's default).
    options : dict[str, str]
        ``--set KEY=VALUE`` options; read them with :meth:`option`.
    resumed : bool
        Whether this run continues an interrupted one (see :meth:`load_checkpoint`).
    """

    def __init__(
        self,
        name: str,
        out_dir: Path,
        seed: int = 0,
        quick: bool = False,
        epochs: int | None = None,
        options: dict[str, str] | None = None,
        resumed: bool = False,
        console: Any = None,
        show_progress: bool = True,
    ) -> None:
        self.name = name
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.seed = seed
        self.quick = quick
        self.epochs = epochs
        self.options = dict(options or {})
        self.resumed = resumed
        self.show_progress = show_progress
        if console is None:
            from rich.console import Console

            console = Console(stderr=True)
        self.console = console
        self.metrics_path = self.out_dir / "metrics.jsonl"
        self._t0 = time.perf_counter()
        self._used_options: set[str] = set()

    # ------------------------------------------------------------------ options
    def option(self, key: str, default: Any, type: Callable[[str], Any] | None = None) -> Any:
        """The ``--set key=value`` option converted like ``default`` (or by ``type``)."""
        self._used_options.add(key)
        if key not in self.options:
            return default
        raw = self.options[key]
        conv = type or (default.__class__ if default is not None else str)
        if conv is bool:
            return raw.lower() in ("1", "true", "yes", "on")
        try:
            return conv(raw)
        except ValueError:
            from groundup.errors import GroundupError

            raise GroundupError(f"--set {key}={raw}: expected a {conv.__name__}") from None

    def rng(self, stream: int = 0) -> np.random.Generator:
        """A generator for one purpose (``stream``: 0 init, 1 data order, ...), from the run's seed."""
        return np.random.default_rng([self.seed, stream])

    # ------------------------------------------------------------------ logging
    def log(self, step: int | None = None, **metrics: float) -> None:
        """Append one line to ``metrics.jsonl``: ``{"step": ..., "time": s, **metrics}``."""
        row: dict[str, Any] = {"step": step, "time": round(time.perf_counter() - self._t0, 3)}
        row.update(
            {
                k: (float(v) if isinstance(v, np.floating | np.integer) else v)
                for k, v in metrics.items()
            }
        )
        with open(self.metrics_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")

    def elapsed(self) -> float:
        """Seconds since the run started (this process)."""
        return time.perf_counter() - self._t0

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

    def save_checkpoint(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Path:
        """Save ``arrays`` (e.g. model and optimiser state) and JSON ``meta`` atomically as ``.npz``."""
        import io

        buf = io.BytesIO()
        np.savez(buf, __meta__=np.array(json.dumps(meta)), **arrays)
        atomic_write(self.checkpoint_path, buf.getvalue())
        return self.checkpoint_path

    def load_checkpoint(self) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
        """The last checkpoint of this run directory, or ``None`` if there is none."""
        if not self.checkpoint_path.exists():
            return None
        with np.load(self.checkpoint_path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files if k != "__meta__"}
            meta = json.loads(str(z["__meta__"]))
        return arrays, meta

    def save_figure(self, fig: Any, name: str) -> Path:
        """Save a Matplotlib figure as ``out_dir/name`` (PNG) and close it."""
        import matplotlib.pyplot as plt

        path = self.out_dir / name
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
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
