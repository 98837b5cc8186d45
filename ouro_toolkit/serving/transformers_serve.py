"""`transformers serve` as a local OpenAI-compatible server (tests, benchmarks, small CPU runs)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ouro_toolkit.errors import MissingFile
from ouro_toolkit.serving.process import ServerProcess, free_port, start_server

# CPU torch spins OpenMP threads without PASSIVE; never fetch anything in tests.
SERVE_ENV = {"OMP_WAIT_POLICY": "PASSIVE", "TOKENIZERS_PARALLELISM": "false"}


def transformers_cli() -> str:
    """The `transformers` console script of this Python environment."""
    beside = Path(sys.executable).parent / "transformers"
    if beside.exists():
        return str(beside)
    found = shutil.which("transformers")
    if found is None:
        raise MissingFile(
            "the `transformers` command was not found; install the serving extra: "
            "pip install 'ouro-toolkit[serving]'"
        )
    return found


def start_transformers_serve(
    model_dir: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    log_path: str | Path,
    health_timeout: float = 120.0,
    offline: bool = True,
) -> ServerProcess:
    """Serve `model_dir` (pinned, so requests must name it exactly: `server.model`)."""
    port = port or free_port(host)
    model = str(model_dir)
    command = [transformers_cli(), "serve", model, "--host", host, "--port", str(port)]
    env = dict(SERVE_ENV)
    if offline:
        env.update(HF_HUB_OFFLINE="1")
    return start_server(
        command,
        url=f"http://{host}:{port}",
        model=model,
        log_path=log_path,
        env=env,
        health_timeout=health_timeout,
    )
