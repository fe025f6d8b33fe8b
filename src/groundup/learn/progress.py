"""Progress over a track, derived from check results (``progress.json``), never typed in.

An exercise is done when its last check passed; an item is ✅ when all of its exercises
are done, 🟨 when one was started, ⬜ otherwise. An item whose library part does not
exist yet is listed as "not yet available", not hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from groundup.learn import catalog

DONE, IN_PROGRESS, NOT_STARTED = "✅ Done", "🟨 In progress", "⬜ Not started"


@dataclass
class ItemStatus:
    """One track item and what the workspace says about it."""

    group: str
    item: catalog.Item
    status: str
    note: str


def exercise_state(progress: dict, exercise_id: str) -> str:
    """``passed``, ``started`` (incl. failed checks) or ``not-started``."""
    entry = progress.get("exercises", {}).get(exercise_id)
    if not entry:
        return "not-started"
    return "passed" if entry.get("status") == "passed" else "started"


def item_status(progress: dict, item: catalog.Item) -> tuple[str, str]:
    """The status symbol of ``item`` and a note (not yet available, no exercise yet)."""
    if item.paths and not item.available:
        return NOT_STARTED, "not yet available"
    states = [exercise_state(progress, e) for e in item.exercises]
    if item.exercises:
        note = ""
    elif not item.paths:
        # a coding task with no library part yet, or a reading item
        note = "not yet available" if item.extra.get("task") else "reading (no library code)"
    else:
        note = "no exercise yet"
    if states and all(s == "passed" for s in states):
        return DONE, note
    if any(s != "not-started" for s in states):
        return IN_PROGRESS, note
    return NOT_STARTED, note


def track_status(progress: dict, track: catalog.Track) -> list[ItemStatus]:
    """Every item of ``track`` with its status; starred items first within each group."""
    out = []
    for g in track.groups:
        for it in sorted(g.items, key=lambda i: not i.starred):
            status, note = item_status(progress, it)
            out.append(ItemStatus(g.title, it, status, note))
    return out


def bar(done: int, total: int, width: int = 20) -> str:
    """A text progress bar ``███░░░ 3/10``."""
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"


def render_table(progress: dict, track: catalog.Track):
    """A rich renderable: the track's bar, then per group a bar and a table of its items."""
    from rich.console import Group as RichGroup
    from rich.table import Table
    from rich.text import Text

    rows = track_status(progress, track)
    done = sum(r.status == DONE for r in rows)
    parts: list = [
        Text(f"{track.title}   {bar(done, len(rows))}", style="bold"),
        Text(f"{DONE}   {IN_PROGRESS}   {NOT_STARTED}   ⭐ starred (do these first)", style="dim"),
    ]
    for g in track.groups:
        in_group = [r for r in rows if r.group == g.title]
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
    return RichGroup(*parts)


def render_markdown(progress: dict, track: catalog.Track) -> str:
    """PROGRESS.md: the six-month syllabus's tracking table shape, for any track."""
    lines = [
        f"# Progress: {track.title}",
        "",
        "Derived from `groundup check` results; regenerate with `groundup progress --markdown`.",
        "",
        "| Month | Week | Focus Area | Papers to Read | Coding Task | Status | Notes |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n, r in enumerate(track_status(progress, track), start=1):
        x = r.item.extra
        task = x.get("task") or ", ".join(r.item.exercises) or ", ".join(r.item.paths)
        notes = "; ".join(
            s
            for s in (
                r.note,
                r.item.lesson and f"[lesson]({r.item.lesson})",
                r.item.milestone and f"milestone `{r.item.milestone}`",
            )
            if s
        )
        star = "⭐ " if r.item.starred else ""
        cells = [
            str(x.get("month", r.group)),
            str(x.get("week", n)),
            star + r.item.title,
            str(x.get("papers", "")),
            task,
            r.status,
            notes,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
