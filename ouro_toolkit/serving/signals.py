"""Ctrl-C, SIGTERM and SIGHUP as a stop request that a serving loop checks between polls.

Two reasons not to rely on Python's KeyboardInterrupt while a server runs:
- a process started in the background by a script inherits SIGINT *ignored*, and Python then
  installs no Ctrl-C handler at all, so SIGINT would never stop it;
- a KeyboardInterrupt raised inside `Popen.poll()` can leave the Popen's internal wait lock held,
  after which `Popen.wait(timeout=...)` can never reap the child and times out.
A handler that only records the signal avoids both: the loop sees the request and stops the
server from ordinary code.
"""

from __future__ import annotations

import signal
from types import FrameType, TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopSignals:
    """While entered, the stop signals set `signum` instead of killing or interrupting."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def _record(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum

    def __enter__(self) -> StopSignals:
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._record)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig, handler in self._previous.items():
            # None: the old handler was not set from Python; the default is the honest guess.
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
