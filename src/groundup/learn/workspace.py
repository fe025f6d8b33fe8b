"""A learner's workspace: the files they write and the progress derived from checking them.

Layout::

    WORKSPACE/
      groundup-workspace.toml   # marks the folder; the default track
      progress.json             # written by `groundup check` only, atomically
      src/groundup/...          # the learner's copies of the modules of started exercises

Updating groundup never touches these files: the reference library lives elsewhere.
"""

from __future__ import annotations

import json
import os
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from groundup.errors import GroundupError
from groundup.learn import catalog
from groundup.learn.overlay import MARKER_FILE, find_workspace
from groundup.learn.regions import make_stub, sha256_text
from groundup.utils.atomic_io import atomic_write

PROGRESS_FILE = "progress.json"
FORMAT = 1


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class Workspace:
    """A learner workspace rooted at ``root``."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root).resolve()
        if not (self.root / MARKER_FILE).is_file():
            raise GroundupError(
                f"{self.root} is not a groundup workspace (no {MARKER_FILE}); "
                "make one with `groundup learn init DIR`"
            )

    # ---- finding and making -------------------------------------------------
    @classmethod
    def find(cls, start: str | os.PathLike | None = None) -> Workspace:
        """The active workspace: ``$GROUNDUP_WORKSPACE`` or the nearest one above the CWD."""
        root = find_workspace(start)
        if root is None:
            raise GroundupError(
                "no groundup workspace here: run `groundup learn init DIR` and work inside DIR "
                "(or set GROUNDUP_WORKSPACE=DIR)"
            )
        return cls(root)

    @classmethod
    def init(cls, root: str | os.PathLike, track: str = "implementation") -> Workspace:
        """Create a workspace at ``root`` (an existing one is left as it is)."""
        root = Path(root).resolve()
        root.mkdir(parents=True, exist_ok=True)
        marker = root / MARKER_FILE
        if not marker.exists():
            catalog.get_track(track)
            marker.write_text(
                "# A groundup learner workspace: `groundup learn start EXERCISE` writes stubs here.\n"
                f"format = {FORMAT}\ntrack = {track!r}\ncreated = {now()!r}\n",
                encoding="utf-8",
            )
        (root / "src" / "groundup").mkdir(parents=True, exist_ok=True)
        ws = cls(root)
        if not ws.progress_path.exists():
            ws.save_progress({"format": FORMAT, "current": None, "exercises": {}})
        return ws

    # ---- settings and progress ---------------------------------------------
    @property
    def settings(self) -> dict[str, Any]:
        """The parsed ``groundup-workspace.toml``."""
        with (self.root / MARKER_FILE).open("rb") as f:
            return tomllib.load(f)

    @property
    def track(self) -> str:
        """The workspace's default track."""
        return self.settings.get("track", "implementation")

    @property
    def progress_path(self) -> Path:
        """``progress.json``."""
        return self.root / PROGRESS_FILE

    def load_progress(self) -> dict[str, Any]:
        """The progress record; a damaged file is an error that says what to do."""
        try:
            data = json.loads(self.progress_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"format": FORMAT, "current": None, "exercises": {}}
        except json.JSONDecodeError as e:
            raise GroundupError(
                f"{self.progress_path} is not valid JSON ({e}); restore it with "
                "`groundup learn import FILE` or delete it and run `groundup check --all`"
            ) from e
        data.setdefault("exercises", {})
        data.setdefault("current", None)
        return data

    def save_progress(self, data: dict[str, Any]) -> None:
        """Write the progress record atomically, sorted and indented (readable, diffable)."""
        atomic_write(self.progress_path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def record(self, exercise_id: str, **fields: Any) -> dict[str, Any]:
        """Merge ``fields`` into the exercise's progress entry and save."""
        data = self.load_progress()
        entry = data["exercises"].setdefault(exercise_id, {})
        entry.update(fields)
        self.save_progress(data)
        return entry

    def status(self, exercise_id: str) -> str:
        """``not-started``, ``started``, ``failed`` or ``passed``."""
        entry = self.load_progress()["exercises"].get(exercise_id)
        return entry.get("status", "started") if entry else "not-started"

    # ---- learner files ------------------------------------------------------
    def learner_file(self, module: str) -> Path:
        """Where the learner's copy of ``module`` lives in this workspace."""
        return self.root / "src" / catalog.module_path(module)

    def is_changed(self, exercise_id: str, module: str) -> bool:
        """Whether the learner's file of ``module`` differs from the stub that was written."""
        path = self.learner_file(module)
        if not path.exists():
            return False
        entry = self.load_progress()["exercises"].get(exercise_id, {})
        written = entry.get("files", {}).get(str(catalog.module_path(module)))
        return written != sha256_text(path.read_text(encoding="utf-8"))

    def start(self, exercise_id: str, *, reset: bool = False) -> list[Path]:
        """Write the stubs of ``exercise_id``; refuse to overwrite a file the learner changed.

        Returns the learner files (written or already there, untouched).
        """
        ex = catalog.get_exercise(exercise_id)
        files: dict[str, str] = {}
        to_write: list[tuple[Path, str]] = []
        for module in ex.modules:
            ref = catalog.reference_file(module)
            stub = make_stub(ref.read_text(encoding="utf-8"), ex.message, str(ref))
            path = self.learner_file(module)
            if path.exists() and not reset and self.is_changed(exercise_id, module):
                raise GroundupError(
                    f"{path} has your changes; not overwritten. To start over: "
                    f"`groundup learn reset {exercise_id}` (your file is kept as {path.name}.bak)"
                )
            files[str(catalog.module_path(module))] = sha256_text(stub)
            to_write.append((path, stub))
        for path, stub in to_write:
            path.parent.mkdir(parents=True, exist_ok=True)
            if reset and path.exists():
                path.replace(path.with_name(path.name + ".bak"))
            atomic_write(path, stub)
        data = self.load_progress()
        entry = data["exercises"].setdefault(exercise_id, {})
        entry.setdefault("started", now())
        entry.update(files=files, status="started")
        entry.pop("passed_at", None)
        data["current"] = exercise_id
        self.save_progress(data)
        return [p for p, _ in to_write]

    def set_current(self, exercise_id: str) -> None:
        """Make ``exercise_id`` the one `check`, `hint` and `watch` work on by default."""
        data = self.load_progress()
        data["current"] = exercise_id
        self.save_progress(data)

    def current(self) -> str:
        """The current exercise; an error if none was started."""
        cur = self.load_progress().get("current")
        if not cur:
            raise GroundupError("no exercise started yet: `groundup learn start EXERCISE`")
        return cur
