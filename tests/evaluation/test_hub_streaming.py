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


# A ChartQA copy whose card puts the test split in a non-conventional place, in two files; the
# eval Hub path must find them through the card, and `--limit 2` must never fetch the second file.
CARD_REPO = """
import json, shutil, sys
from pathlib import Path
from huggingface_hub import HfApi
import datasets
import ouro_toolkit.data.stream as stream
from ouro_toolkit.evaluation.data import DataSource, iter_samples
from ouro_toolkit.evaluation.tasks import BENCHMARKS

src, repo = Path(sys.argv[1]), Path(sys.argv[2])
for part in (0, 1):
    (repo / "charts").mkdir(parents=True, exist_ok=True)
    shutil.copy(next(src.glob("data/test-*.parquet")), repo / "charts" / f"part-{part}.parquet")
(repo / "README.md").write_text(
    "---\\nconfigs:\\n- config_name: default\\n  data_files:\\n  - split: test\\n"
    "    path: charts/part-*\\n---\\n# ChartQA (fixture)\\n"
)
api = HfApi()
api.create_repo("lmms-lab-encoder/ChartQA", repo_type="dataset")
api.upload_folder(repo_id="lmms-lab-encoder/ChartQA", repo_type="dataset", folder_path=str(repo))

def no_load_dataset(*args, **kwargs):
    raise AssertionError("evaluation called datasets.load_dataset")

datasets.load_dataset = no_load_dataset
opened, real_open = [], stream.open_file
stream.open_file = lambda file: opened.append(file) or real_open(file)
source = DataSource(org="lmms-lab-encoder")
samples = list(iter_samples(BENCHMARKS["chartqa"], source, limit=2))
print(json.dumps({"opened": opened, "answers": [s.answers for s in samples],
                  "errors": [s.error for s in samples], "ref": repr(source.ref(BENCHMARKS["chartqa"]))}))
"""


def test_eval_hub_path_reads_through_the_data_layer(bench_data: Path, tmp_path: Path) -> None:
    with LocalHubProtocolServer(token=FAKE_TOKEN) as server:
        env = hub_environment(server, tmp_path / "hf_home")
        done = subprocess.run(
            [sys.executable, "-c", CARD_REPO, str(bench_data / "chartqa"), str(tmp_path / "repo")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        fetched = [path for method, path, _ in server.requests if "/resolve/" in path]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    base = "hf://datasets/lmms-lab-encoder/ChartQA@main/"
    # The card is read, then only the first data file the card names: the limit stops there.
    assert result["opened"] == [base + "README.md", base + "charts/part-0.parquet"]
    assert result["answers"] == [["45"], ["Germany"]] and result["errors"] == [None, None]
    assert "repo_id='lmms-lab-encoder/ChartQA'" in result["ref"] and "split='test'" in result["ref"]
    assert any("part-0.parquet" in path for path in fetched)
    assert not any("part-1.parquet" in path for path in fetched)
