"""The data layer's user error."""

from __future__ import annotations

from ouro_toolkit.errors import OuroError


class SourceError(OuroError, RuntimeError):
    """A dataset cannot be read as asked (no files, missing columns, unreachable repo); the message
    says what was tried and what to pass instead."""
