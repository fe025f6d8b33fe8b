"""Run pytest or the ``groundup`` CLI with the learner's workspace overlaid (a script, not a module).

Usage: ``python _bootstrap.py WORKSPACE TIME_LIMIT (pytest ARGS... | module NAME ARGS...)``

``WORKSPACE`` may be empty (no overlay); ``$GROUNDUP_OVERLAY_MODULES`` chooses which of
its modules are overlaid (unset: all). ``TIME_LIMIT`` in seconds, 0 for none. The
overlay is installed before anything imports ``groundup``; at the time limit the
stacks are dumped to stderr ("Timeout (h:mm:ss)!" and where the code was) and the
process exits.
"""

import faulthandler
import importlib.util
import os
import sys

_KEEP: list = []
IMPORT_ALLOWANCE = 120.0
HERE = os.path.dirname(os.path.abspath(__file__))


def _main() -> int:
    if sys.path and os.path.abspath(sys.path[0] or ".") == HERE:
        sys.path.pop(0)  # the script's folder is not a place to import from
    workspace, limit, tool, *args = sys.argv[1:]
    if workspace:
        spec = importlib.util.spec_from_file_location(
            "_groundup_overlay", os.path.join(HERE, "overlay.py")
        )
        overlay = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(overlay)
        overlay.install(workspace, overlay.chosen_modules())
        os.environ["GROUNDUP_WORKSPACE"] = workspace  # seen by the report plugin and children
    if float(limit) > 0:
        # pytest redirects fd 2 while a test runs: dump to a copy of the real stderr.
        _KEEP.append(os.fdopen(os.dup(2), "w"))
        os.environ["GROUNDUP_DUMP_FD"] = str(_KEEP[-1].fileno())
        os.environ["GROUNDUP_TIME_LIMIT"] = limit
        # importing and collecting get a generous allowance; the report plugin restarts
        # the clock at the time limit when the tests themselves start
        allowance = float(limit) + (IMPORT_ALLOWANCE if tool == "pytest" else 0.0)
        faulthandler.dump_traceback_later(allowance, exit=True, file=_KEEP[-1])
    if tool == "pytest":
        import pytest

        return int(pytest.main(args))
    import runpy

    sys.argv = list(args)
    runpy.run_module(args[0], run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
