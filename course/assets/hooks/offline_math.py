"""MkDocs hook: serve MathJax from the installed ``django-static-mathjax`` package, never a CDN.

The lessons' ``$...$`` and ``$$...$$`` become ``<span class="arithmatex">\\(...\\)</span>`` through
``pymdownx.arithmatex`` (generic mode); MathJax 3 typesets them in the browser. This hook copies
the MathJax ES5 bundle (the TeX-to-CommonHTML component and its web fonts) from the Python package
into ``site/assets/mathjax/`` after each build, so the built site works with no network.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


def mathjax_source() -> Path:
    """The MathJax ``es5`` directory inside the installed ``django-static-mathjax`` package."""
    import mathjax  # the import name of django-static-mathjax: static files only

    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (source / "tex-chtml.js").is_file():
        raise FileNotFoundError(
            f"MathJax bundle not found at {source}: reinstall django-static-mathjax"
        )
    return source


def on_post_build(config: Any, **kwargs: Any) -> None:
    """Copy MathJax into ``<site_dir>/assets/mathjax`` (skips the speech engine and SVG output)."""
    target = Path(config["site_dir"]) / "assets" / "mathjax"
    if (target / "tex-chtml.js").is_file():
        return
    shutil.copytree(
        mathjax_source(),
        target,
        ignore=shutil.ignore_patterns("sre", "*-full*", "*svg*", "node-main.js", "mml-*"),
        dirs_exist_ok=True,
    )
