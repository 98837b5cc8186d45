"""The Hub path for real: fixture data pushed to a local Hub-protocol server under the new
lmms-lab-encoder organisation, then streamed by `ouro eval --hub-org lmms-lab-encoder`.

Like tests/hub, the clients run in a subprocess started with HF_ENDPOINT pointing at the local
server and online mode, which is exactly how a user runs `ouro eval` (this pytest process has
already imported huggingface_hub/datasets with the suite's offline settings).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers.fake_hub_server import LocalHubProtocolServer
from tests.helpers.hub_env import FAKE_TOKEN, ROOT, hub_environment

UPLOAD = """
import sys
from huggingface_hub import HfApi
api = HfApi()
for repo, folder in (("lmms-lab-encoder/ChartQA", sys.argv[1]), ("lmms-lab-encoder/GQA", sys.argv[2])):
    api.create_repo(repo, repo_type="dataset")
    api.upload_folder(repo_id=repo, repo_type="dataset", folder_path=folder)
"""


def test_ouro_eval_streams_from_the_hub_with_org_override(
    tiny_model_dir: Path, bench_data: Path, tmp_path: Path
) -> None:
    with LocalHubProtocolServer(token=FAKE_TOKEN) as server:
        env = hub_environment(server, tmp_path / "hf_home")

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, *args],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=240,
            )

        upload = run("-c", UPLOAD, str(bench_data / "chartqa"), str(bench_data / "gqa"))
        assert upload.returncode == 0, upload.stderr[-2000:]
        out = tmp_path / "hub.json"
        result = run("-m", "ouro_toolkit.cli.main", "eval", "--model", str(tiny_model_dir), "--benchmarks", "chartqa,gqa",
                     "--hub-org", "lmms-lab-encoder", "--limit", "2", "--out", str(out), "--no-progress")  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        # the default lmms-lab id, without the override, is not on this Hub: a clear one-line error
        missing = run("-m", "ouro_toolkit.cli.main", "eval", "--model", str(tiny_model_dir), "--benchmarks", "chartqa",
                      "--limit", "1", "--out", str(tmp_path / "x.json"), "--no-progress")  # fmt: skip
    data = json.loads(out.read_text())
    runs = {r["benchmark"]: r for r in data["runs"]}
    assert (
        runs["chartqa"]["dataset"] == "lmms-lab-encoder/ChartQA"
        and runs["chartqa"]["data_path"] is None
    )
    assert runs["gqa"]["dataset"] == "lmms-lab-encoder/GQA"
    for run_ in runs.values():
        assert run_["n"] == 2 and run_["n_failed"] == 0, run_["failures"]
    assert [s["answers"] for s in runs["chartqa"]["samples"]] == [["45"], ["Germany"]]
    assert [s["id"] for s in runs["gqa"]["samples"]] == [
        "q1",
        "q2",
    ]  # images joined from the second config
    assert missing.returncode == 1
    assert (
        "cannot open lmms-lab/ChartQA" in missing.stderr
        and "--hub-org lmms-lab-encoder" in missing.stderr
    )
    assert "Traceback" not in missing.stderr
