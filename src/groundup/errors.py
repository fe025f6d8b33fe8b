"""Exceptions the CLI turns into one clear line (no traceback)."""

from __future__ import annotations


class GroundupError(Exception):
    """An error meant for the user: the message says what went wrong and what to do."""
