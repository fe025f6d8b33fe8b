"""``python -m groundup.learn.import_check MODULE...``: import each module, and check it came from the overlay.

Run by ``groundup dev check-exercises`` in an overlaid subprocess: a stub that does not
import, or a module that was not overlaid, exits non-zero with the module named.
"""

from __future__ import annotations

import importlib
import os
import sys


def main(modules: list[str]) -> int:
    """Import ``modules``; 1 (and a message on stderr) if one fails or is not the workspace's file."""
    workspace = os.path.realpath(os.environ.get("GROUNDUP_WORKSPACE", ""))
    for name in modules:
        try:
            module = importlib.import_module(name)
        except Exception as e:
            print(f"{name}: the stub does not import: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        if workspace and not os.path.realpath(module.__file__).startswith(workspace):
            print(f"{name}: loaded {module.__file__}, not the workspace's stub", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
