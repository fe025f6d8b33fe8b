"""Progress over a track, derived from the workspace: never typed in, never the only record.

Where it comes from:

- an exercise is *started* when the learner has a file of it in the workspace's ``src/``
  (the files are the record; ``progress.json`` may be lost or damaged);
- it is *passed* when its last check passed (``progress.json``, written by
  ``groundup check`` only; ``groundup check --all`` rebuilds it by re-checking every
  exercise that has files);
- a reading item (a lesson with no exercise) is done when the learner said so with
  ``groundup learn done ID`` (``done.txt``, one line each; ``--undo`` takes it back).

An item is ✅ when all of its exercises passed (or, for a reading item, it was marked
done), 🟨 when one was started, ⬜ otherwise. An item whose library part does not exist
yet is *coming*: listed apart, and not counted. :func:`summary` is the one definition of
"how far along", used by ``groundup progress``, ``PROGRESS.md`` and ``learn watch``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from groundup.errors import GroundupError
from groundup.learn import catalog
from groundup.learn.workspace import Workspace, now
from groundup.utils.atomic_io import atomic_write

DONE, IN_PROGRESS, NOT_STARTED = "✅ Done", "🟨 In progress", "⬜ Not started"
COMING = "🔜 Coming"
DONE_FILE = "done.txt"


@dataclass
class ItemStatus:
    """One track item and what the workspace says about it."""

    group: str
    item: catalog.Item
    status: str
    note: str
    kind: str = "exercises"  # "exercises", "reading" or "coming"


@dataclass(frozen=True)
class Summary:
    """How far along a track is: ``done`` of ``total`` items that can be done now, and
    ``coming`` items whose library part does not exist yet (not counted)."""

    done: int
    total: int
    coming: int

    def line(self, width: int = 20) -> str:
        """``███░░░ 3/58  (+30 coming)``."""
        return bar(self.done, self.total, width) + (
            f"  (+{self.coming} coming)" if self.coming else ""
        )


# ---- what the workspace holds ----------------------------------------------------


def started_exercises(ws: Workspace) -> list[str]:
    """Every exercise with a file of the learner's in ``ws``, in catalogue order."""
    return [
        e.id
        for e in catalog.exercises().values()
        if any(ws.learner_file(m).is_file() for m in e.modules)
    ]


def done_items(ws: Workspace) -> dict[str, str]:
    """The reading items marked done (``"TRACK/ID"`` -> when), from ``done.txt``."""
    path = ws.root / DONE_FILE
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            out[parts[0]] = parts[1] if len(parts) > 1 else ""
    return out


def save_done_items(ws: Workspace, done: dict[str, str]) -> None:
    """Write ``done.txt`` atomically (sorted, one ``TRACK/ID WHEN`` a line)."""
    lines = [
        "# Reading items marked done with `groundup learn done ID` "
        "(`groundup learn done ID --undo` takes one back).",
        *(f"{key} {when}".rstrip() for key, when in sorted(done.items())),
    ]
    atomic_write(ws.root / DONE_FILE, "\n".join(lines) + "\n")


def load(ws: Workspace) -> dict:
    """The workspace's progress: ``progress.json``'s check results, every exercise that has
    files (started, if never checked), and the reading items marked done (``"done"``)."""
    data = ws.load_progress()
    for e in started_exercises(ws):
        data["exercises"].setdefault(e, {"status": "started"})
    data["done"] = done_items(ws)
    return data


def recover(ws: Workspace) -> Path | None:
    """Move a damaged ``progress.json`` aside so it can be rebuilt; the kept copy, or ``None``."""
    path = ws.progress_path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("exercises", {}), dict):
            return None
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        pass
    n = 1
    while (kept := path.with_name(f"{path.name}.damaged-{n}")).exists():
        n += 1
    os.replace(path, kept)
    return kept


def most_recent(ws: Workspace, exercise_ids: list[str]) -> str | None:
    """The exercise whose file the learner changed last."""

    def mtime(e: str) -> float:
        files = [ws.learner_file(m) for m in catalog.get_exercise(e).modules]
        return max((f.stat().st_mtime for f in files if f.is_file()), default=0.0)

    return max(exercise_ids, key=mtime, default=None)


# ---- statuses ------------------------------------------------------------------


def exercise_state(progress: dict, exercise_id: str) -> str:
    """``passed``, ``started`` (incl. failed checks) or ``not-started``."""
    entry = progress.get("exercises", {}).get(exercise_id)
    if not entry:
        return "not-started"
    return "passed" if entry.get("status") == "passed" else "started"


def item_kind(item: catalog.Item) -> str:
    """``exercises`` (done when they pass), ``reading`` (done when marked) or ``coming``."""
    if item.paths and not item.available:
        return "coming"
    if item.exercises:
        return "exercises"
    if not item.paths and item.extra.get("task"):  # a coding task with no library part yet
        return "coming"
    return "reading"


def item_status(progress: dict, item: catalog.Item, track_id: str = "") -> tuple[str, str]:
    """The status symbol of ``item`` and a note (coming, or how to mark a reading item)."""
    kind = item_kind(item)
    if kind == "coming":
        return COMING, "not yet available"
    if kind == "reading":
        what = "reading" if not item.paths else "reading (no exercise yet)"
        note = f"{what}: `groundup learn done {item.id}`"
        marked = f"{track_id}/{item.id}" in progress.get("done", {})
        return (DONE if marked else NOT_STARTED), note
    states = [exercise_state(progress, e) for e in item.exercises]
    if all(s == "passed" for s in states):
        return DONE, ""
    if any(s != "not-started" for s in states):
        return IN_PROGRESS, ""
    return NOT_STARTED, ""


def track_status(progress: dict, track: catalog.Track) -> list[ItemStatus]:
    """Every item of ``track`` with its status; starred items first within each group."""
    out = []
    for g in track.groups:
        for it in sorted(g.items, key=lambda i: not i.starred):
            status, note = item_status(progress, it, track.id)
            out.append(ItemStatus(g.title, it, status, note, item_kind(it)))
    return out


def summary(progress: dict, track: catalog.Track) -> Summary:
    """The one measure of progress: items done of those that can be done, and how many are coming."""
    rows = track_status(progress, track)
    doable = [r for r in rows if r.kind != "coming"]
    return Summary(
        done=sum(r.status == DONE for r in doable),
        total=len(doable),
        coming=len(rows) - len(doable),
    )


def headline(ws: Workspace, track_id: str | None = None) -> str:
    """``implementation: ███░░ 3/58  (+30 coming)`` for ``ws`` (``learn watch``'s header)."""
    track = catalog.get_track(track_id or ws.track)
    return f"{track.id}: {summary(load(ws), track).line()}"


def find_item(track: catalog.Track, item_id: str) -> catalog.Item:
    """The item ``item_id`` of ``track``; the error lists the reading items."""
    for it in track.items():
        if it.id == item_id:
            return it
    elsewhere = [t for t in catalog.tracks().values() if any(i.id == item_id for i in t.items())]
    if elsewhere:
        raise GroundupError(
            f"no item {item_id!r} in track {track.id!r}; it is in "
            + ", ".join(f"{t.id} (`--track {t.id}`)" for t in elsewhere)
        )
    reading = [it.id for it in track.items() if item_kind(it) == "reading"]
    raise GroundupError(
        f"no item {item_id!r} in track {track.id!r}; its reading items: "
        + (", ".join(reading) or "none")
        + " (another track: --track)"
    )


def mark_done(ws: Workspace, track: catalog.Track, item_id: str, *, undo: bool = False) -> str:
    """Record (or with ``undo`` take back) that the reading item ``item_id`` was done; what happened."""
    item = find_item(track, item_id)
    kind = item_kind(item)
    if kind == "exercises":
        raise GroundupError(
            f"{item_id} is done when its exercises pass: "
            + ", ".join(f"`groundup check {e}`" for e in item.exercises)
        )
    if kind == "coming":
        raise GroundupError(f"{item_id}: not yet available (its library part is not written yet)")
    key = f"{track.id}/{item.id}"
    done = done_items(ws)
    if undo:
        if done.pop(key, None) is None:
            return f"{key} was not marked done"
        save_done_items(ws, done)
        return f"{key}: no longer marked done"
    if key in done:
        return f"{key} was already marked done ({done[key]})"
    done[key] = now()
    save_done_items(ws, done)
    return f"✅ {key}: {item.title} (undo: `groundup learn done {item.id} --undo`)"


# ---- rendering -----------------------------------------------------------------


def bar(done: int, total: int, width: int = 20) -> str:
    """A text progress bar ``███░░░ 3/10``."""
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"


def render_table(progress: dict, track: catalog.Track):
    """A rich renderable: the track's bar, per group a bar and a table of its items, then
    the items that are coming."""
    from rich.console import Group as RichGroup
    from rich.table import Table
    from rich.text import Text

    rows = track_status(progress, track)
    parts: list = [
        Text(f"{track.title}   {summary(progress, track).line()}", style="bold"),
        Text(f"{DONE}   {IN_PROGRESS}   {NOT_STARTED}   ⭐ starred (do these first)", style="dim"),
    ]
    for g in track.groups:
        in_group = [r for r in rows if r.group == g.title and r.kind != "coming"]
        if not in_group:
            continue
        n_done = sum(r.status == DONE for r in in_group)
        table = Table(
            title=f"{g.title}  {bar(n_done, len(in_group), 10)}",
            title_justify="left",
            show_header=False,
            box=None,
            pad_edge=False,
        )
        for _ in range(5):
            table.add_column()
        for r in in_group:
            table.add_row(
                r.status.split()[0] + (" ⭐" if r.item.starred else "   "),
                r.item.title,
                ", ".join(r.item.exercises),
                "  ".join(
                    x
                    for x in (r.item.lesson, r.item.milestone and f"milestone {r.item.milestone}")
                    if x
                ),
                r.note,
            )
        parts.append(table)
    coming = [r for r in rows if r.kind == "coming"]
    if coming:
        parts.append(
            Text(
                f"{COMING} (not in the library yet, not counted): "
                + "; ".join(
                    f"{g.title}: " + ", ".join(r.item.title for r in coming if r.group == g.title)
                    for g in track.groups
                    if any(r.group == g.title for r in coming)
                ),
                style="dim",
            )
        )
    return RichGroup(*parts)


def _week(r: ItemStatus) -> str:
    """The item's week: its own ``week``, else the one its group's title names."""
    if "week" in r.item.extra:
        return str(r.item.extra["week"])
    m = re.search(r"Weeks? (\d+(?:-\d+)?)(?!.*Weeks? \d)", r.group)
    return m[1] if m else ""


def _part(group: str) -> str:
    """The group's title without its weeks: ``Phase 1: Foundations (Weeks 1-2) — Week 1: X``
    -> ``Phase 1: Foundations``."""
    head = group.split(" — ")[0]
    return re.sub(r"\s*\(Weeks? [\d-]+\)", "", head).strip()


def render_markdown(progress: dict, track: catalog.Track, base: Path | None = None) -> str:
    """PROGRESS.md: the six-month syllabus's tracking table shape, for any track.

    Lesson links are relative to ``base`` (the folder PROGRESS.md is written to), so they
    open from there; without ``base`` they are relative to the repository.
    """
    rows = track_status(progress, track)
    doable = [r for r in rows if r.kind != "coming"]
    month = any("month" in r.item.extra for r in rows)
    first = "Month" if month else "Part"
    root = catalog.repo_root()

    def link(lesson: str) -> str:
        target = (root / lesson).as_posix()
        return os.path.relpath(target, base).replace(os.sep, "/") if base else lesson

    lines = [
        f"# Progress: {track.title}",
        "",
        "Derived from `groundup check` results and `groundup learn done`; "
        "regenerate with `groundup progress --markdown`.",
        "",
        f"**{summary(progress, track).line(10)}**",
        "",
        f"| {first} | Week | Focus Area | Papers to Read | Coding Task | Status | Notes |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in doable:
        x = r.item.extra
        task = x.get("task") or ", ".join(r.item.exercises) or ", ".join(r.item.paths)
        notes = "; ".join(
            s
            for s in (
                r.note,
                r.item.lesson and f"[lesson]({link(r.item.lesson)})",
                r.item.milestone and f"milestone `{r.item.milestone}`",
            )
            if s
        )
        star = "⭐ " if r.item.starred else ""
        cells = [
            str(x.get("month", _part(r.group))),
            _week(r),
            star + r.item.title,
            str(x.get("papers", "")),
            task,
            r.status,
            notes,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    coming = [r for r in rows if r.kind == "coming"]
    if coming:
        lines += ["", f"## {COMING}", "", "Not in the library yet, so not counted above.", ""]
        lines += [f"- {_part(r.group)}: {r.item.title}" for r in coming]
    return "\n".join(lines) + "\n"
