"""Publishing a build folder to a (local) Hub and loading it back with the real clients."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from huggingface_hub import DatasetCard
from PIL import Image

from tests.helpers.build_fixture import ERROR_MESSAGE, all_rows, write_build
from tests.helpers.hub_env import FAKE_TOKEN, HubEnv

REPO = "ouro-tester/ouro-fixture"
SHARDS = ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]


def _card(hub: HubEnv, repo: str = REPO) -> DatasetCard:
    return DatasetCard(hub.server.file_bytes(repo, "README.md").decode())


def _files(hub: HubEnv, repo: str = REPO) -> set[str]:
    return set(hub.server.repo(repo).head.files)


@pytest.fixture(scope="module")
def pushed(module_hub: HubEnv, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two workers push the two shards of one build at the same time (`ouro push --shard i`)."""
    build = write_build(tmp_path_factory.mktemp("build") / "out", num_shards=2, rows_per_shard=3)
    module_hub.server.hold_commits(2)  # both have uploaded before either commits: a real race
    workers = [
        module_hub.popen(
            "-m",
            "ouro_toolkit.cli.main",
            "-vv",
            "push",
            str(build),
            "--repo",
            REPO,
            "--shard",
            str(i),
        )
        for i in (0, 1)
    ]
    outputs = [(w.wait(timeout=240), *w.communicate()) for w in workers]
    for rc, out, err in outputs:
        assert rc == 0, f"push failed:\n{out}\n{err}"
    loaded = tmp_path_factory.mktemp("load") / "report.json"
    result = module_hub.run("-m", "tests.hub.hub_client", "load", REPO, str(loaded))
    assert result.returncode == 0, result.stderr[-4000:]
    return {
        "build": build,
        "logs": outputs,
        "load": json.loads(loaded.read_text()),
        "load_logs": result,
    }


def test_two_workers_both_shards_land_and_the_card_only_with_the_full_set(
    pushed: dict, module_hub: HubEnv
) -> None:
    repo = module_hub.server.repo(REPO)
    assert {*SHARDS, "README.md"} <= set(repo.head.files)
    shard_commits = [c for c in repo.commits if any(s in c.changed for s in SHARDS)]
    assert len(shard_commits) == 2  # one per worker, both held until both had uploaded: a real race
    # No commit that lacks a shard has a card: the card never announces a partial set.
    for commit in repo.commits:
        if "README.md" in commit.files:
            assert all(s in commit.files for s in SHARDS)
    cards = {c.files["README.md"].blob_oid for c in repo.commits if "README.md" in c.changed}
    assert len(cards) == 1  # if both workers wrote it, they wrote the same card
    for index, shard in enumerate(SHARDS):
        local = (pushed["build"] / shard).read_bytes()
        assert module_hub.server.file_bytes(REPO, shard) == local, f"shard {index} differs"
    # Shards went through LFS, as the Hub requires for Parquet.
    assert all(repo.head.files[s].sha256 for s in SHARDS)
    assert sorted("card written" in out for _, out, _ in pushed["logs"]) in (
        [False, True],
        [True, True],
    )
    assert module_hub.server.unhandled == [] and module_hub.server.errors == []


@pytest.mark.parametrize("mode", ["rows", "stream_rows"])
def test_load_dataset_returns_every_row_with_its_tree(pushed: dict, mode: str) -> None:
    report = pushed["load"]
    assert report["features_equal" if mode == "rows" else "stream_features_equal"]
    expected = {row["id"]: row for row in all_rows(2, 3)}
    got = {row["id"]: row for row in report[mode]}
    assert set(got) == set(expected) and len(report[mode]) == 6
    for row_id, row in got.items():
        want = expected[row_id]
        assert row["status"] == want["status"] and row["error"] == want["error"]
        assert row["qa"] == want["qa"]
        assert row["description"] == want["description"]
        assert [
            (n["node_id"], n["parent_id"], n["depth"], n["label"], n["description"], n["ocr_text"])
            for n in row["tree"]
        ] == [
            (n["node_id"], n["parent_id"], n["depth"], n["label"], n["description"], n["ocr_text"])
            for n in want["regions"]
        ]
        if want["status"] == "ok":
            written = Image.open(io.BytesIO(want["image"]["bytes"])).size
            assert row["image_mode"] == "RGB" and tuple(row["image_size"]) == written
            got_boxes = [v for n in row["tree"] for v in n["bbox"]]
            assert got_boxes == pytest.approx([v for n in want["regions"] for v in n["bbox"]])
        else:
            assert row["image_size"] is None and row["error"] == ERROR_MESSAGE


def test_dataset_card_yaml_is_valid_and_holds_the_figures(pushed: dict, module_hub: HubEnv) -> None:
    card = _card(module_hub)
    data = card.data.to_dict()
    assert data["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*"}]}
    ]
    assert data["dataset_info"]["splits"][0]["num_examples"] == 6
    feature_names = [f["name"] for f in data["dataset_info"]["features"]]
    assert feature_names[:4] == ["id", "source", "task", "image"] and "regions" in feature_names
    assert data["license"] and data["source_datasets"] == ["local"]
    assert "visual-question-answering" in data["task_categories"]
    text = card.text
    for figure in (
        "| images (rows) | 6 |",
        "| rows kept with an error | 2 |",
        "| regions per image (mean, min–max) | 4.00 (4–4) |",
        "| 0 | 4 |",
        "| 1 | 8 |",
        "| 2 | 4 |",
        "| object details | 4 |",
        "| interactions | 1 |",
        "| QA pairs per image (mean) | 3.50 |",
        "| prompt version | `v1` |",
        "| thresholds | `max_child_area_ratio=0.7, max_children=10, max_depth=2, max_regions=32, min_region_size=32, min_text_height=8, nms_iou=0.5, threshold=0.5` |",
        ERROR_MESSAGE,
        f'load_dataset("{REPO}", split="train")',
    ):
        assert figure in text, figure
    # The worked example: a 3-level tree as an indented list, d0 and its QA.
    assert (
        "\n    - **helmet**" in text
        and "\n  - **person**" in text
        and "> A " in text
        and "*interactions* — Q:" in text
    )
    assert "must-never-reach-a-card" not in text  # a credential-like config key is dropped
    assert "/home/someone/private" not in text  # so are local paths (out, data_dir)
    assert '"rpn_weights": "DEFAULT"' in text  # the rest of the recorded build config is shown


def test_token_never_written_or_logged(pushed: dict, module_hub: HubEnv) -> None:
    logs = "".join(out + err for _, out, err in pushed["logs"]) + pushed["load_logs"].stderr
    assert "DEBUG" in logs  # the pushes ran with -vv, so the check covers debug logging
    assert FAKE_TOKEN not in logs
    assert all(FAKE_TOKEN.encode() not in blob for blob in module_hub.server.all_stored_bytes())
    for path in Path(pushed["build"]).rglob("*"):
        assert not path.is_file() or FAKE_TOKEN.encode() not in path.read_bytes()
    # ...and the server did see it: the token was read from HF_TOKEN and sent.
    assert ("POST", f"/api/datasets/{REPO}/commit/main", 200) in module_hub.server.requests


@pytest.mark.parametrize("status", [409, 429, 500])
def test_a_failed_commit_is_retried(local_hub: HubEnv, tmp_path: Path, status: int) -> None:
    build = write_build(tmp_path / "out", num_shards=2, rows_per_shard=2)
    local_hub.server.fail_next_commits(1, status)
    result = local_hub.ouro("push", str(build), "--repo", REPO)
    assert result.returncode == 0, result.stderr
    assert local_hub.server.commit_attempts == 2
    assert {*SHARDS, "README.md"} <= _files(local_hub)
    assert "2 attempt(s)" in result.stdout and "card written" in result.stdout


def test_failing_for_good_leaves_no_card_and_no_partial_set(
    local_hub: HubEnv, tmp_path: Path
) -> None:
    build = write_build(tmp_path / "out", num_shards=2, rows_per_shard=2)
    first = local_hub.ouro("push", str(build), "--repo", REPO, "--shard", "0")
    assert first.returncode == 0, first.stderr
    assert SHARDS[0] in _files(local_hub) and "README.md" not in _files(
        local_hub
    )  # 1 of 2: no card

    local_hub.server.fail_all_commits(500)
    started = time.monotonic()
    second = local_hub.ouro("push", str(build), "--repo", REPO, "--shard", "1", "--retries", "2")
    assert second.returncode == 1
    assert "Traceback" not in second.stderr
    assert "gave up after 2 attempts" in second.stderr and "HTTP 500" in second.stderr
    assert "Nothing of this push was committed" in second.stderr
    assert time.monotonic() - started < 60
    assert _files(local_hub) == {".gitattributes", SHARDS[0]}  # no card, shard 1 not announced

    local_hub.server.clear_faults()
    third = local_hub.ouro("push", str(build), "--repo", REPO)  # a rerun resumes
    assert third.returncode == 0, third.stderr
    assert {*SHARDS, "README.md"} <= _files(local_hub)


def test_no_token_is_a_clear_error(local_hub: HubEnv, tmp_path: Path) -> None:
    build = write_build(tmp_path / "out", num_shards=1, rows_per_shard=2)
    env = {k: v for k, v in local_hub.env.items() if k != "HF_TOKEN"}
    result = local_hub.ouro("push", str(build), "--repo", REPO, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no Hugging Face token found: set HF_TOKEN or run `hf auth login`" in result.stderr
    assert local_hub.server.repos == {}


def test_workers_without_a_shared_folder_get_a_card_from_the_hub_copies(
    local_hub: HubEnv, tmp_path: Path
) -> None:
    """Each machine has only its own shard; the last one reads the others from the Hub."""
    first = write_build(tmp_path / "a", num_shards=2, rows_per_shard=3, complete=[0])
    second = write_build(tmp_path / "b", num_shards=2, rows_per_shard=3, complete=[1])
    (second / SHARDS[0]).unlink()
    for build in (first, second):
        result = local_hub.ouro("push", str(build), "--repo", REPO)
        assert result.returncode == 0, result.stderr
    card = _card(local_hub)
    assert "| images (rows) | 6 |" in card.text and "| rows kept with an error | 2 |" in card.text
    assert card.data.to_dict()["dataset_info"]["splits"][0]["num_examples"] == 6


def test_a_repo_holding_another_shard_count_is_refused(local_hub: HubEnv, tmp_path: Path) -> None:
    assert (
        local_hub.ouro(
            "push",
            str(write_build(tmp_path / "one", num_shards=1, rows_per_shard=2)),
            "--repo",
            REPO,
        ).returncode
        == 0
    )
    result = local_hub.ouro(
        "push", str(write_build(tmp_path / "two", num_shards=2, rows_per_shard=2)), "--repo", REPO
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "already holds shards of a 1-shard build, this build has 2" in result.stderr
    assert _files(local_hub) == {".gitattributes", "README.md", "data/train-00000-of-00001.parquet"}


def test_a_failed_card_commit_leaves_the_shards_unannounced_and_a_rerun_writes_it(
    local_hub: HubEnv, tmp_path: Path
) -> None:
    build = write_build(tmp_path / "out", num_shards=2, rows_per_shard=2)
    assert local_hub.ouro("push", str(build), "--repo", REPO, "--shard", "0").returncode == 0
    local_hub.server.fail_commits_touching("README.md", 503)
    result = local_hub.ouro("push", str(build), "--repo", REPO, "--shard", "1", "--retries", "2")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "writing the dataset card" in result.stderr and "HTTP 503" in result.stderr
    assert "Shard(s) 1 are on the Hub, but no card was written" in result.stderr
    assert _files(local_hub) == {".gitattributes", *SHARDS}

    local_hub.server.clear_faults()
    rerun = local_hub.ouro("push", str(build), "--repo", REPO, "--shard", "1")
    assert rerun.returncode == 0, rerun.stderr
    assert "card written" in rerun.stdout and "README.md" in _files(local_hub)
