"""The local Hub for tests: a `LocalHubProtocolServer` on 127.0.0.1 and an environment that points
the real huggingface_hub / datasets clients at it (fixtures: tests/hub/conftest.py).

Why the clients run in subprocesses: `huggingface_hub.constants` and `datasets.config` read
`HF_ENDPOINT` and `HF_HUB_OFFLINE` once, at import, and this pytest process has already imported
them with the suite's offline settings. Patching module constants after import would test a
configuration no user has (and misses copies taken by `from constants import X`). A subprocess
started with `HF_ENDPOINT`, `HF_TOKEN`, `HF_HUB_DISABLE_XET=1` and online mode in its environment
is exactly how a user runs `ouro push` or `load_dataset`, so that is what these tests do. The
same variables are also set (monkeypatched) in this process for the duration of each test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.fake_hub_server import LocalHubProtocolServer

FAKE_TOKEN = "hf_ouroFakeToken9f3c2a7d1e5b"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class HubEnv:
    server: LocalHubProtocolServer
    env: dict[str, str]
    home: Path

    def run(
        self, *args: str, timeout: float = 240, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        """Run `python ARGS...` from the project root against the local Hub."""
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ouro(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run("-m", "ouro_toolkit.cli.main", *args, **kwargs)


def hub_environment(server: LocalHubProtocolServer, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    env.update(
        HF_ENDPOINT=server.url,
        HF_TOKEN=FAKE_TOKEN,
        HF_HUB_DISABLE_XET="1",
        HF_HUB_OFFLINE="0",
        HF_DATASETS_OFFLINE="0",
        HF_HOME=str(home),  # caches and any stored login stay inside the test's folder
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        OMP_WAIT_POLICY="PASSIVE",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=str(ROOT),
    )
    return env
