"""MkDocs hook: build the alignment lessons' slide decks into the site, at ``alignment/lesson_NN/slides/``.

Each deck (``course/alignment/lesson_NN/slides/index.md``, Marp Markdown, excluded from the pages)
is built by Marp CLI into one self-contained HTML file (``groundup.cli.docs.SlideBuild``), which
the lesson's README and the alignment index link as ``slides/``. Marp starts before the pages are
built and runs beside them (``on_pre_build``); the decks are copied into the site at the end
(``on_post_build``). Without Marp (``make dev`` installs it from ``package.json``) the decks are
left out and the build says so.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.plugins.groundup.slides")

_build: dict[str, Any] = {}


def on_pre_build(config: Any, **kwargs: Any) -> None:
    from groundup.cli import docs
    from groundup.errors import GroundupError

    _build.clear()
    try:
        docs.marp_command()
    except GroundupError as err:
        log.info("slides not built: %s", err)
        return
    _build["dir"] = Path(tempfile.mkdtemp(prefix="groundup-slides-"))
    _build["marp"] = docs.SlideBuild(_build["dir"])


def on_post_build(config: Any, **kwargs: Any) -> None:
    if "marp" not in _build:
        return
    try:
        built = _build["marp"].wait()
        for deck in built:
            target = Path(config["site_dir"]) / "alignment" / deck.relative_to(_build["dir"])
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(deck, target)
    finally:
        shutil.rmtree(_build.pop("dir"), ignore_errors=True)
        _build.clear()
    log.info("built %d slide decks with Marp", len(built))
