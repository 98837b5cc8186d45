"""Starting SGLang from its own Python environment (it pins other transformers and hub versions than ours).

`ouro serve` runs `<sglang-python> -m sglang.launch_server --model-path M --chat-template qwen2-vl
--host H --port P`, waits until `/health` answers, and prints the URL for `--server-url`.
"""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ouro_toolkit.serving.process import ServerProcess, ServerStartError, start_server
from ouro_toolkit.serving.signals import StopSignals

log = logging.getLogger(__name__)


@dataclass
class SGLangConfig:
    python: str  # the Python of the environment where SGLang is installed
    model: str = "Qwen/Qwen2-VL-7B-Instruct"
    host: str = "127.0.0.1"
    port: int = 30000
    chat_template: str = "qwen2-vl"  # SGLang's built-in template name for Qwen2-VL
    tp: int = 1  # tensor parallel size (GPUs per model)
    mem_fraction_static: float | None = None  # e.g. 0.8 when sharing the GPU
    extra_args: list[str] = field(default_factory=list)  # passed through to launch_server
    health_timeout: float = 900.0  # first start downloads weights and captures CUDA graphs

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"


def launch_command(config: SGLangConfig) -> list[str]:
    command = [
        config.python,
        "-m",
        "sglang.launch_server",
        "--model-path",
        config.model,
        "--chat-template",
        config.chat_template,
        "--host",
        config.host,
        "--port",
        str(config.port),
    ]
    if config.tp != 1:
        command += ["--tp", str(config.tp)]
    if config.mem_fraction_static is not None:
        command += ["--mem-fraction-static", str(config.mem_fraction_static)]
    return command + list(config.extra_args)


def check_sglang_python(python: str) -> None:
    """Fail early, with the fix, when `python` is missing or has no SGLang."""
    path = Path(python)
    if not path.exists():
        raise ServerStartError(
            f"--sglang-python {python} does not exist; create the environment with: "
            'python -m venv sglang-env && sglang-env/bin/pip install "sglang[all]==0.5.23"'
        )
    probe = subprocess.run(
        [
            python,
            "-c",
            "import importlib.util, sys; sys.exit(importlib.util.find_spec('sglang') is None)",
        ],
        capture_output=True,
        timeout=60,
    )
    if probe.returncode != 0:
        raise ServerStartError(
            f"{python} has no sglang package; install it there: "
            f'{path.parent / "pip"} install "sglang[all]==0.5.23"'
        )


def launch_sglang(
    config: SGLangConfig, log_path: str | Path, stop_requested: Callable[[], bool] | None = None
) -> ServerProcess:
    check_sglang_python(config.python)
    return start_server(
        launch_command(config),
        url=config.url,
        model=config.model,
        log_path=log_path,
        health_timeout=config.health_timeout,
        stop_requested=stop_requested,
    )


def serve_until_stopped(
    server: ServerProcess, stop: StopSignals, poll: float = 0.5, grace: float = 30.0
) -> int:
    """Block until a stop signal (then stop the server: terminate, then kill) or until it exits.

    Returns 0 after a clean stop, or the server's exit code if it died on its own.
    """
    while server.process.poll() is None and not stop.requested:
        time.sleep(poll)  # the signal handler only records the request; it is seen here
    if not stop.requested:
        return server.process.returncode or 1
    log.info("%s: stopping server (pid %d)", stop.name, server.pid)
    server.stop(grace=grace)
    return 0
