"""The one error base, and the helpers that turn errors into one-line messages.

Every error a user can cause (a bad flag, a missing file, an unreachable server, a refused push)
is an `OuroError` whose message names the input and the fix. The CLI catches `OuroError` in one
place and prints its message as one line; any other exception is a bug and keeps its traceback.
Subclasses also keep the builtin base they always had (`ValueError`, `RuntimeError`, ...), so
callers that catch those still work.
"""

from __future__ import annotations

from collections.abc import Iterable


class OuroError(Exception):
    """A user-caused error; the message names the input and says how to fix it."""


class ConfigError(OuroError, ValueError):
    """A setting is invalid or two settings contradict each other."""


class MissingFile(OuroError, FileNotFoundError):
    """A file or folder the command needs is not there; the message says how to make it."""


class BackendLoadError(OuroError, RuntimeError):
    """The model (or adapter) cannot be loaded; the message names it and the fix."""


class UnknownName(OuroError, ValueError, KeyError):
    """A name that is not in its registry; the message lists the known names."""

    def __init__(self, kind: str, name: str, known: Iterable[str]):
        self.kind, self.name, self.known = kind, name, list(known)
        super().__init__(f"unknown {kind} {name!r}; known {kind}s: {', '.join(self.known)}")

    # KeyError would quote the whole message; keep it readable.
    __str__ = Exception.__str__


def check_known(kind: str, names: Iterable[str], known: Iterable[str]) -> None:
    """Raise `UnknownName` for the first of `names` that is not in `known`."""
    known = list(known)
    for name in names:
        if name not in known:
            raise UnknownName(kind, name, known)


def one_line(err: BaseException, limit: int | None = None) -> str:
    """The first non-empty line of `err`'s message, or its type name when the message is empty."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    text = lines[0] if lines else type(err).__name__
    return text[:limit] if limit else text
