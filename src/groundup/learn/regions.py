"""Solution regions in library source, and the stubs cut from them.

A region is the lines between a ``# BEGIN SOLUTION`` comment and the next
``# END SOLUTION`` comment at the same indentation; ``# BEGIN SOLUTION some-id`` names
the exercise the region belongs to. The stub of a file replaces every region (markers
included) with one line, at the region's indentation::

    raise NotImplementedError("<exercise id>: <one-line task>")

so signatures, docstrings (with their formulas) and the code around the regions stay,
and the stub still imports.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?:[ \t]+(?P<id>[\w.-]+))?[ \t]*$")
_END = re.compile(r"^(?P<indent>[ \t]*)# END SOLUTION[ \t]*$")


class RegionError(ValueError):
    """Markers that are unbalanced, nested, empty or mis-indented."""


@dataclass(frozen=True)
class Region:
    """One solution region: ``begin`` and ``end`` are the 1-based lines of its markers."""

    begin: int
    end: int
    indent: str
    exercise: str | None

    @property
    def n_lines(self) -> int:
        """Number of solution lines between the markers."""
        return self.end - self.begin - 1


def find_regions(source: str, filename: str = "<source>") -> list[Region]:
    """Every region of ``source``, in order; :class:`RegionError` names the bad line.

    Parameters
    ----------
    source : str
        Python source text.
    filename : str
        Used in error messages only.
    """
    regions: list[Region] = []
    open_at: tuple[int, str, str | None] | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        if m := _BEGIN.match(line):
            if open_at is not None:
                raise RegionError(
                    f"{filename}:{number}: '# BEGIN SOLUTION' inside the region opened at line "
                    f"{open_at[0]} (regions do not nest; close it with '# END SOLUTION' first)"
                )
            open_at = (number, m["indent"], m["id"])
        elif m := _END.match(line):
            if open_at is None:
                raise RegionError(f"{filename}:{number}: '# END SOLUTION' without a BEGIN")
            begin, indent, exercise = open_at
            if m["indent"] != indent:
                raise RegionError(
                    f"{filename}:{number}: '# END SOLUTION' is indented {len(m['indent'])} "
                    f"columns but its BEGIN at line {begin} is indented {len(indent)}"
                )
            if number == begin + 1:
                raise RegionError(f"{filename}:{begin}: empty solution region")
            regions.append(Region(begin, number, indent, exercise))
            open_at = None
        elif "BEGIN SOLUTION" in line or "END SOLUTION" in line:
            if line.lstrip().startswith("#"):
                raise RegionError(
                    f"{filename}:{number}: malformed solution marker {line.strip()!r}"
                )
    if open_at is not None:
        raise RegionError(
            f"{filename}:{open_at[0]}: '# BEGIN SOLUTION' is never closed by '# END SOLUTION'"
        )
    return regions


def make_stub(source: str, message: str, filename: str = "<source>") -> str:
    """``source`` with each region replaced by ``raise NotImplementedError(message)``.

    Parameters
    ----------
    source : str
        Python source with at least one region.
    message : str
        ``"<exercise id>: <one-line task>"``.
    filename : str
        Used in error messages only.

    >>> src = "def f(x):\\n    '''$2x$'''\\n    # BEGIN SOLUTION\\n    return 2 * x\\n    # END SOLUTION\\n"
    >>> print(make_stub(src, "double: return 2x"), end="")
    def f(x):
        '''$2x$'''
        raise NotImplementedError('double: return 2x')
    """
    regions = find_regions(source, filename)
    if not regions:
        raise RegionError(f"{filename}: no '# BEGIN SOLUTION' region to cut")
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    position = 0
    for r in regions:
        out.extend(lines[position : r.begin - 1])
        out.append(f"{r.indent}raise NotImplementedError({message!r})\n")
        position = r.end
    out.extend(lines[position:])
    return "".join(out)


def sha256_text(text: str) -> str:
    """Hex SHA-256 of ``text`` (UTF-8): how a workspace tells an untouched stub from a changed one."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
