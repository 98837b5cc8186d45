"""A model server run as a child process: start it, wait until it answers, stop it by its PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ouro_toolkit.errors import OuroError

HEALTH_PATHS = ("/health", "/v1/models")


class ServerStartError(OuroError, RuntimeError):
    """The server exited or never became healthy; the message carries the end of its log."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def is_healthy(url: str, timeout: float = 1.0) -> bool:
    for path in HEALTH_PATHS:
        try:
            with urllib.request.urlopen(url + path, timeout=timeout) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError, ValueError):
            continue
    return False


@dataclass
class ServerProcess:
    """A running server: `url` is its base URL, `model` the name to send in requests."""

    process: subprocess.Popen
    url: str
    model: str
    log_path: Path
    command: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, n_chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n_chars:]
        except OSError:
            return ""

    def wait_healthy(
        self, timeout: float, stop_requested: Callable[[], bool] | None = None
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if stop_requested is not None and stop_requested():
                self.stop()
                raise ServerStartError(f"stopped before {self.url} was healthy")
            if self.process.poll() is not None:
                raise ServerStartError(
                    f"server exited with code {self.process.returncode} before it was healthy; "
                    f"command: {' '.join(self.command)}\n--- log tail ---\n{self.log_tail()}"
                )
            if is_healthy(self.url):
                return
            time.sleep(0.25)
        self.stop()
        raise ServerStartError(
            f"server at {self.url} not healthy after {timeout:.0f}s; command: {' '.join(self.command)}"
            f"\n--- log tail ---\n{self.log_tail()}"
        )

    def stop(self, grace: float = 10.0) -> None:
        """Terminate by PID (the whole process group, so launcher children go too), then kill."""
        if self.process.poll() is not None:
            return
        _signal_group(self.process, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait(timeout=grace)

    def kill(self) -> None:
        """Hard kill, as when a server crashes mid-run."""
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait(timeout=10)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)  # started with start_new_session: pgid == pid
    except (ProcessLookupError, PermissionError):
        try:
            process.send_signal(sig)
        except ProcessLookupError:
            pass


def start_server(
    command: Sequence[str],
    *,
    url: str,
    model: str,
    log_path: str | Path,
    env: dict[str, str] | None = None,
    health_timeout: float = 120.0,
    stop_requested: Callable[[], bool] | None = None,
) -> ServerProcess:
    """Start `command` in its own session (so one signal stops its children) and wait for health;
    once `stop_requested()` is true during the wait, stop it and raise ServerStartError."""
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:  # a file, not a pipe: a chatty server can never block on it
        process = subprocess.Popen(
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    server = ServerProcess(process, url, model, log_path, list(command))
    try:
        server.wait_healthy(health_timeout, stop_requested)
    except BaseException:  # Ctrl-C or a failed start: never leave an orphan server behind
        server.stop()
        raise
    return server
