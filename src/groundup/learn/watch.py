"""``groundup learn watch``: re-check the current exercise on every save.

File events come from ``watchfiles`` when it is installed; a polling thread (file
contents compared every ``poll_seconds``) runs beside it, so a save is noticed even
where file events do not arrive (network drives, some containers). A save only
re-checks when the file's contents changed since the last check. Keys: ``n`` next
exercise, ``h`` hint, ``l`` list, ``r`` reset, ``c`` check now, ``q`` quit.
"""

from __future__ import annotations

import hashlib
import queue
import select
import sys
import threading
import time
from pathlib import Path

from rich.console import Console

from groundup.learn import catalog, checker, progress
from groundup.learn.workspace import Workspace

KEYS = "[n]ext  [h]int  [l]ist  [r]eset  [c]heck  [q]uit"


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        try:
            h.update(str(p).encode() + p.read_bytes())
        except OSError:  # deleted between listing and reading
            pass
    return h.hexdigest()


def _poll(root: Path, events: queue.Queue, stop: threading.Event, poll_seconds: float) -> None:
    last = _digest(root)
    while not stop.wait(poll_seconds):
        now = _digest(root)
        if now != last:
            last = now
            events.put("poll")


def _watchfiles(root: Path, events: queue.Queue, stop: threading.Event) -> None:
    try:
        from watchfiles import watch
    except ImportError:
        return
    for _changes in watch(root, stop_event=stop, debounce=200, step=30, raise_interrupt=False):
        events.put("event")


def track_exercises(ws: Workspace) -> list[str]:
    """The exercises in the order of the workspace's track, then the rest in catalogue order."""
    order: list[str] = []
    for it in catalog.get_track(ws.track).items():
        order += [e for e in it.exercises if e not in order]
    return order + [e for e in catalog.exercises() if e not in order]


def next_exercise(ws: Workspace) -> str | None:
    """The first exercise of the track not passed yet."""
    data = ws.load_progress()
    for e in track_exercises(ws):
        if progress.exercise_state(data, e) != "passed":
            return e
    return None


class _Keys:
    """Single key presses from a terminal (cbreak mode), or nothing when stdin is not one."""

    def __init__(self) -> None:
        self.tty = sys.stdin.isatty()
        self.saved = None
        if self.tty:
            import termios
            import tty

            self.saved = termios.tcgetattr(sys.stdin)
            tty.setcbreak(sys.stdin.fileno())

    def get(self, timeout: float) -> str:
        if not self.tty:
            time.sleep(timeout)
            return ""
        ready, _, _ = select.select([sys.stdin], [], [], timeout)
        return sys.stdin.read(1) if ready else ""

    def close(self) -> None:
        if self.saved is not None:
            import termios

            termios.tcsetattr(sys.stdin, termios.TCSADRAIN, self.saved)


def watch(
    ws: Workspace, *, time_limit: float, poll_seconds: float = 1.0, use_events: bool = True
) -> None:
    """Run the watch loop until ``q`` (or Ctrl-C)."""
    console = Console(highlight=False)
    src = ws.root / "src"
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    threads = [threading.Thread(target=_poll, args=(src, events, stop, poll_seconds), daemon=True)]
    if use_events:
        threads.append(threading.Thread(target=_watchfiles, args=(src, events, stop), daemon=True))
    for t in threads:
        t.start()
    keys = _Keys()
    hints_shown: dict[str, int] = {}
    last_checked = ""

    def header() -> None:
        data = ws.load_progress()
        order = track_exercises(ws)
        done = sum(progress.exercise_state(data, e) == "passed" for e in order)
        console.rule(f"{ws.track}: {progress.bar(done, len(order))}   current: {ws.current()}")

    def run_check(reason: str) -> None:
        nonlocal last_checked
        last_checked = _digest(src)
        console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] re-checking {ws.current()} ({reason})")
        result = checker.check(ws, ws.current(), time_limit=time_limit)
        header()
        console.print(checker.render(result), markup=False)
        console.print(KEYS, style="dim", markup=False)

    try:
        if not ws.load_progress().get("current"):
            first = next_exercise(ws)
            if first is None:
                console.print("every exercise is done 🎉")
                return
            ws.start(first)
        run_check("start")
        while True:
            key = keys.get(0.1)
            changed = False
            while not events.empty():
                events.get_nowait()
                changed = True
            if changed and _digest(src) != last_checked:
                run_check("file saved")
            if key == "q":
                break
            if key == "c":
                run_check("asked")
            elif key == "h":
                cur = ws.current()
                ex = catalog.get_exercise(cur)
                n = min(hints_shown.get(cur, 0), len(ex.hints) - 1)
                if ex.hints:
                    console.print(f"hint {n + 1}/{len(ex.hints)}: {ex.hints[n]}", markup=False)
                    hints_shown[cur] = n + 1
            elif key == "l":
                data = ws.load_progress()
                for e in track_exercises(ws):
                    state = progress.exercise_state(data, e)
                    mark = {"passed": "✅", "started": "🟨"}.get(state, "⬜")
                    console.print(f"{mark} {e}")
            elif key == "n":
                nxt = next_exercise(ws)
                if nxt is None:
                    console.print("every exercise is done 🎉")
                elif progress.exercise_state(ws.load_progress(), nxt) == "not-started":
                    ws.start(nxt)
                    run_check("next exercise")
                else:
                    ws.set_current(nxt)
                    run_check("next exercise")
            elif key == "r":
                files = ws.start(ws.current(), reset=True)
                console.print(f"reset {', '.join(map(str, files))} (your version kept as .bak)")
                run_check("reset")
    finally:
        stop.set()
        keys.close()
