"""Stdout carries a command's result alone; anything else printed while it works goes to stderr.

Libraries print to stdout while loading: torch.hub writes `Downloading: "..."` there, and native
code (ONNX Runtime, OpenMP) can write to file descriptor 1 directly. A command that prints JSON
(or any result meant for a pipe) runs its work inside `chatter_to_stderr()` and echoes the result
after it, so a download, a warning or a progress line can never land in the middle of its output.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


def _flush(*streams: object) -> None:
    for stream in streams:
        if stream is not None:
            stream.flush()  # type: ignore[attr-defined]


@contextlib.contextmanager
def chatter_to_stderr() -> Iterator[None]:
    """While active, `sys.stdout` and file descriptor 1 (native code's stdout) write to stderr."""
    out, err = sys.stdout, sys.stderr
    _flush(out, err, sys.__stdout__)
    try:
        saved_fd = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # a descriptor is closed: there is nothing at that level to keep clean
        saved_fd = None
    try:
        with contextlib.redirect_stdout(err):
            yield
    finally:
        # What was written through a kept reference to stdout still goes to stderr.
        _flush(out, err, sys.__stdout__)
        if saved_fd is not None:
            os.dup2(saved_fd, 1)
            os.close(saved_fd)
