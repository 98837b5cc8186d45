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


def one_line(err: BaseException, *, first_only: bool = False, limit: int | None = None) -> str:
    """`err`'s message on one line (whitespace folded), or its type name when it has none.

    `first_only` keeps just the first non-empty line: for quoting another library's error, whose
    later lines are detail. Never fails on an empty message.
    """
    lines = [" ".join(line.split()) for line in str(err).splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    text = lines[0] if first_only else " ".join(lines)
    return text[:limit] if limit else text
