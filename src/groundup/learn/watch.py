"""``groundup learn watch``: re-check the current exercise on every save.

Saves are noticed by ``watchfiles`` (file events; polling with ``--poll``, and where
watchfiles itself decides it must, as on WSL or with ``WATCHFILES_FORCE_POLLING``). A
save only re-checks when the files' contents changed since the last check started.

The check runs in a killable subprocess on a worker thread, so the loop keeps reading
keys: a new save, ``c``, ``n``, a confirmed ``r`` or ``q`` stops the running check (an
endless loop in the learner's code included) and nothing is recorded for it. Keys:
``n`` next exercise, ``h`` hint, ``l`` list, ``r`` reset (asks first; the file is kept in
``history/``), ``c`` check now, ``q`` quit.
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
from watchfiles import watch as watch_files

from groundup.errors import GroundupError
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


def _watch_saves(
    root: Path, events: queue.Queue, stop: threading.Event, poll_seconds: float | None
) -> None:
    """Put one item on ``events`` per batch of changes under ``root`` until ``stop``."""
    for _changes in watch_files(
        root,
        stop_event=stop,
        debounce=200,
        step=30,
        rust_timeout=500,  # let the stop event be seen twice a second
        raise_interrupt=False,
        force_polling=True if poll_seconds is not None else None,
        poll_delay_ms=int(1000 * (poll_seconds or 0.3)),
    ):
        events.put("saved")


class _Check:
    """One check of ``exercise`` on a worker thread; :meth:`stop` kills its test process."""

    def __init__(self, ws: Workspace, exercise: str, time_limit: float) -> None:
        self.exercise = exercise
        self.result: checker.CheckResult | None = None
        self.error = ""
        self._cancel = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ws, time_limit), daemon=True, name=f"check-{exercise}"
        )
        self._thread.start()

    def _run(self, ws: Workspace, time_limit: float) -> None:
        try:
            self.result = checker.check(
                ws, self.exercise, time_limit=time_limit, cancel=self._cancel
            )
        except checker.CheckCancelled:
            pass
        except GroundupError as e:
            self.error = str(e)
        except Exception as e:  # shown in the loop, which goes on
            self.error = f"the check could not run: {type(e).__name__}: {e}"

    @property
    def done(self) -> bool:
        """The check has ended (finished, failed to start, or stopped)."""
        return not self._thread.is_alive()

    def stop(self) -> None:
        """Stop the check and wait until its process is gone."""
        self._cancel.set()
        self._thread.join()


def track_exercises(ws: Workspace) -> list[str]:
    """Every exercise, prerequisites first, then in the order of the workspace's track."""
    return catalog.exercise_order(ws.track)


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
    """Run the watch loop until ``q`` (or Ctrl-C); ``use_events=False`` polls every ``poll_seconds``."""
    console = Console(highlight=False)
    src = ws.root / "src"
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    threading.Thread(
        target=_watch_saves,
        args=(src, events, stop, None if use_events else poll_seconds),
        daemon=True,
    ).start()
    keys = _Keys()
    hints_shown: dict[str, int] = {}
    last_checked = ""
    running: _Check | None = None
    confirm_reset = ""  # the exercise `r` asked about, until the next key answers

    def header() -> None:
        console.rule(f"{progress.headline(ws)}   current: {ws.current()}")

    def halt(reason: str) -> None:
        """Stop the running check (before anything else writes the progress file)."""
        if running is not None and not running.done:
            running.stop()
            console.print(f"[dim]stopped the check of {running.exercise} ({reason})[/]")

    def start_check(reason: str) -> None:
        nonlocal last_checked, running
        halt(reason)
        last_checked = _digest(src)
        console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] re-checking {ws.current()} ({reason})")
        running = _Check(ws, ws.current(), time_limit)

    def report(check: _Check) -> None:
        if check.result is None and not check.error:
            return  # stopped: a newer check has replaced it
        header()
        if check.error:
            console.print(f"❌ {check.error}", markup=False)
        else:
            console.print(checker.render(check.result), markup=False)
        console.print(KEYS, style="dim", markup=False)

    try:
        if not ws.load_progress().get("current"):
            first = next_exercise(ws)
            if first is None:
                console.print("every exercise is done 🎉")
                return
            ws.start(first)
        start_check("start")
        while True:
            key = keys.get(0.1)
            if running is not None and running.done:
                report(running)
                running = None
            changed = False
            while not events.empty():
                events.get_nowait()
                changed = True
            if changed and _digest(src) != last_checked:
                start_check("file saved")
            if confirm_reset and key:
                if key in "yY":
                    halt("reset")
                    files = ws.start(confirm_reset, reset=True)
                    console.print(
                        f"reset {', '.join(map(str, files))} (yours is kept in history/; "
                        f"`groundup learn restore {confirm_reset}` brings it back)",
                        markup=False,
                    )
                    start_check("reset")
                else:
                    console.print("not reset")
                confirm_reset = ""
                continue
            if key == "q":
                break
            if key == "c":
                start_check("asked")
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
                    halt("next exercise")
                    ws.start(nxt)
                    start_check("next exercise")
                else:
                    halt("next exercise")
                    ws.set_current(nxt)
                    start_check("next exercise")
            elif key == "r":
                confirm_reset = ws.current()
                console.print(
                    f"reset {confirm_reset} to the stub? your file is kept in history/ [y/N]",
                    markup=False,
                )
    finally:
        if running is not None:
            running.stop()
        stop.set()
        keys.close()
