"""A learner's workspace: the files they write and the progress derived from checking them.

Layout::

    WORKSPACE/
      groundup-workspace.toml   # marks the folder; the default track
      progress.json             # written by `groundup check` only, atomically
      src/groundup/...          # the learner's copies of the modules of started exercises
      history/EXERCISE/STAMP-WHY/groundup/...   # every version `reset`, `restore` and
                                                # `unstart` replaced; never deleted by groundup

Updating groundup never touches these files: the reference library lives elsewhere.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from groundup.errors import GroundupError
from groundup.learn import catalog
from groundup.learn.overlay import MARKER_FILE, find_workspace
from groundup.learn.regions import make_stub, sha256_text
from groundup.utils.atomic_io import atomic_write

PROGRESS_FILE = "progress.json"
HISTORY_DIR = "history"
FORMAT = 1


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class SavedCopy:
    """One saved version of an exercise's files: ``history/EXERCISE/STAMP-WHY/``."""

    path: Path
    when: str
    why: str
    files: tuple[Path, ...]
    """Relative to ``path``: ``groundup/utils/seeding.py``, ..."""

    def describe(self) -> str:
        """``2026-12-03 10:35:12 UTC, before reset: seeding.py (42 lines)``."""
        parts = []
        for f in self.files:
            n = (self.path / f).read_text(encoding="utf-8", errors="replace").count("\n")
            parts.append(f"{f.name} ({n} lines)")
        return f"{self.when}, {self.why}: {', '.join(parts)}"


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
                f"{self.progress_path} is not valid JSON ({e}): rebuild it from your files with "
                "`groundup check --all` (the damaged file is kept beside it), or restore a copy "
                "with `groundup learn import FILE`"
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
                    f"`groundup learn reset {exercise_id}` (your file is kept in "
                    f"{HISTORY_DIR}/; `groundup learn restore {exercise_id}` brings it back)"
                )
            files[str(catalog.module_path(module))] = sha256_text(stub)
            to_write.append((path, stub))
        if reset:
            self.save_copy(exercise_id, "before reset")
        for path, stub in to_write:
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

    # ---- history: nothing the learner wrote is ever lost --------------------
    def history_dir(self, exercise_id: str) -> Path:
        """``history/EXERCISE``: the saved versions of one exercise's files."""
        return self.root / HISTORY_DIR / exercise_id

    def history(self, exercise_id: str) -> list[SavedCopy]:
        """The saved versions of ``exercise_id``'s files, newest first."""
        folder = self.history_dir(exercise_id)
        copies = []
        for d in sorted(folder.iterdir() if folder.is_dir() else (), reverse=True):
            files = tuple(sorted(p.relative_to(d) for p in d.rglob("*.py")))
            if not files:
                continue
            stamp, _, why = d.name.partition("-")
            when = datetime.strptime(stamp[:15], "%Y%m%dT%H%M%S").strftime("%Y-%m-%d %H:%M:%S UTC")
            copies.append(SavedCopy(d, when, why.replace("-", " "), files))
        return copies

    def save_copy(self, exercise_id: str, why: str) -> SavedCopy | None:
        """Copy the learner's files of ``exercise_id`` into its history before they are replaced.

        A file is skipped when it is the untouched stub, or when the history already holds
        a copy with the same contents (``reset`` twice keeps one copy, not the stub).
        Returns the new copy, or ``None`` if there was nothing of the learner's to keep.
        """
        ex = catalog.get_exercise(exercise_id)
        entry = self.load_progress()["exercises"].get(exercise_id, {})
        kept = {(c.path / f).read_bytes() for c in self.history(exercise_id) for f in c.files}
        to_save = []
        for module in ex.modules:
            path = self.learner_file(module)
            if not path.is_file():
                continue
            data = path.read_bytes()
            rel = catalog.module_path(module)
            stub_hash = entry.get("files", {}).get(str(rel))
            if data in kept or sha256_text(data.decode("utf-8", errors="replace")) == stub_hash:
                continue
            to_save.append((rel, data))
        if not to_save:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        folder = self.history_dir(exercise_id)
        n = 0
        while True:  # two saves in one second get .1, .2, ... (names still sort by time)
            name = f"{stamp}{'' if n == 0 else f'.{n}'}-{why.replace(' ', '-')}"
            if not (folder / name).exists():
                break
            n += 1
        for rel, data in to_save:
            atomic_write(folder / name / rel, data)
        return next(c for c in self.history(exercise_id) if c.path.name == name)

    def restore(self, exercise_id: str, number: int = 1) -> tuple[SavedCopy, SavedCopy | None]:
        """Put saved copy ``number`` (1 = newest) back; the files it replaces are saved first.

        Returns the copy restored and the copy of what it replaced (``None`` if nothing of
        the learner's was there).
        """
        copies = self.history(exercise_id)
        if not copies:
            raise GroundupError(
                f"{exercise_id}: no saved copies in {self.history_dir(exercise_id)} "
                "(a copy is kept on every reset, restore and unstart)"
            )
        if not 1 <= number <= len(copies):
            raise GroundupError(
                f"{exercise_id}: copy {number} does not exist; there are {len(copies)} "
                f"(`groundup learn restore {exercise_id} --list`)"
            )
        chosen = copies[number - 1]
        before = self.save_copy(exercise_id, "before restore")
        for f in chosen.files:
            atomic_write(self.root / "src" / f, (chosen.path / f).read_bytes())
        data = self.load_progress()
        entry = data["exercises"].setdefault(exercise_id, {})
        entry.setdefault("started", now())
        entry.setdefault("files", {})
        # the restored code has not been checked: its old result is not its result
        entry.update(status="started", message="")
        entry.pop("passed_at", None)
        data["current"] = exercise_id
        self.save_progress(data)
        return chosen, before

    def unstart(self, exercise_id: str) -> SavedCopy | None:
        """Take ``exercise_id`` back to not started: its files go to the history, its record goes.

        Other checks then use the reference for its modules again.
        """
        ex = catalog.get_exercise(exercise_id)
        data = self.load_progress()
        if exercise_id not in data["exercises"] and not any(
            self.learner_file(m).exists() for m in ex.modules
        ):
            raise GroundupError(f"{exercise_id} is not started")
        saved = self.save_copy(exercise_id, "unstart")
        for module in ex.modules:
            self.learner_file(module).unlink(missing_ok=True)
        data = self.load_progress()
        data["exercises"].pop(exercise_id, None)
        if data.get("current") == exercise_id:
            data["current"] = None
        self.save_progress(data)
        return saved
