"""Streaming a source from the Hub, for real: a Hub-protocol server on 127.0.0.1 holds the fixture
repo, and a subprocess started with `HF_ENDPOINT` pointing at it (as a user's shell would be; the
pytest process has imported huggingface_hub offline) uploads it and streams it with `iter_source`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.fake_hub_server import LocalHubProtocolServer
from tests.helpers.source_layouts import CASES

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "hf_ouroBuildersFakeToken0000"

SCRIPT = """
import json, sys
from huggingface_hub import HfApi
from ouro_toolkit.builders.registry import iter_source
api = HfApi()
api.create_repo("lmms-lab-encoder/DocVQA", repo_type="dataset")
api.upload_folder(folder_path=sys.argv[1], repo_id="lmms-lab-encoder/DocVQA", repo_type="dataset")
rows = list(iter_source("docvqa", split="validation", repo_id="lmms-lab-encoder/DocVQA"))
print(json.dumps([[r["id"], len(r["image"]["bytes"]), r["qa"], r["error"]] for r in rows]))
"""


def test_docvqa_streams_from_a_hub_repo_given_by_repo_id(tmp_path: Path) -> None:
    case = CASES["docvqa"]
    folder = case.write(tmp_path / "repo")
    with LocalHubProtocolServer(token=TOKEN) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
        env.update(
            HF_ENDPOINT=server.url, HF_TOKEN=TOKEN, HF_HUB_DISABLE_XET="1", HF_HUB_OFFLINE="0",
            HF_DATASETS_OFFLINE="0", HF_HOME=str(tmp_path / "hf_home"), PYTHONPATH=str(ROOT),
            HF_HUB_DISABLE_PROGRESS_BARS="1",
        )  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(folder)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        # The Parquet was read by byte ranges from the server's resolve endpoint, not elsewhere.
        assert any("/resolve/" in path for _, path, _ in server.requests)
        assert [u for u in server.unhandled if "DocVQA" in u] == []

    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert [r[0] for r in rows] == [e["id"] for e in case.expected]
    assert [r[2] for r in rows] == [e["qa"] for e in case.expected]
    assert all(size > 100 for _, size, _, _ in rows) and [r[3] for r in rows] == ["", ""]
