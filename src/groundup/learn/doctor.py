"""``groundup doctor``: is this machine ready for the workbench? One line per thing, ok or what to do."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import sys
from dataclasses import dataclass

OPTIONAL = {
    "pytest": "runs the exercise tests: pip install pytest",
    "hypothesis": "draws the test shapes: pip install hypothesis",
    "torch": "the reference the tests compare with: pip install torch (CPU build is enough)",
    "sklearn": "the reference of the classical-ML exercises: pip install scikit-learn",
    "watchfiles": "notices saves in `groundup learn watch`: pip install watchfiles",
}
PIP_NAMES = {"sklearn": "scikit-learn"}


def missing_module(text: str) -> str:
    """The top-level package named by ``No module named 'x.y'`` in ``text``, unless it is groundup.

    >>> missing_module("ModuleNotFoundError: No module named 'torch.nn'")
    'torch'
    >>> missing_module("No module named 'groundup.utils.foo'")
    ''
    """
    m = re.search(r"No module named '([\w.]+)'", text)
    top = m[1].split(".")[0] if m else ""
    return "" if top in ("", "groundup") else top


def install_advice(module: str) -> str:
    """What to run so ``module`` is importable in this Python: ``.../python -m pip install torch``.

    >>> install_advice("sklearn").endswith(" -m pip install scikit-learn")
    True
    """
    return f"{sys.executable} -m pip install {PIP_NAMES.get(module, module)}"


@dataclass
class Line:
    """One finding: ``ok`` is False when something needs doing (``advice`` says what)."""

    name: str
    ok: bool
    detail: str


def _blas() -> str:
    import numpy as np

    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy without mode="dicts"
        return "unknown"


def diagnose() -> list[Line]:
    """Every check, in order."""
    lines = []
    py = sys.version_info
    lines.append(
        Line(
            "python",
            py >= (3, 11),
            f"{py.major}.{py.minor}.{py.micro}"
            + ("" if py >= (3, 11) else ": groundup needs Python 3.11 or newer"),
        )
    )
    try:
        import numpy as np

        lines.append(Line("numpy", True, f"{np.__version__}, BLAS: {_blas()}"))
    except ImportError:
        lines.append(Line("numpy", False, "missing: pip install numpy"))
    from groundup.learn import catalog

    try:
        course = catalog.course_dir()
        ok = (course.parent / "tests").is_dir()
        lines.append(
            Line(
                "install",
                ok,
                f"editable, source at {course.parent}"
                if ok
                else f"{course.parent} has no tests/: clone the repository and `pip install -e .`",
            )
        )
    except Exception as e:
        lines.append(Line("install", False, str(e)))
    try:
        from groundup.learn.workspace import Workspace

        ws = Workspace.find()
        progress = ws.load_progress()
        n = sum(e.get("status") == "passed" for e in progress["exercises"].values())
        lines.append(Line("workspace", True, f"{ws.root} (track {ws.track}, {n} exercises done)"))
    except Exception as e:
        lines.append(Line("workspace", False, str(e)))
    for module, advice in OPTIONAL.items():
        if importlib.util.find_spec(module) is None:
            lines.append(Line(module, False, f"not installed: {advice}"))
        else:
            dist = PIP_NAMES.get(module, module)
            try:
                version = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                version = "installed"
            lines.append(Line(module, True, version))
    return lines
