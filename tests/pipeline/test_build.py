"""End to end: real photos -> tiny Qwen2-VL -> Parquet shards -> load_dataset; resume after SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from datasets import load_dataset

from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.errors import BackendLoadError
from ouro_toolkit.layout import BuildLayout
from ouro_toolkit.pipeline.build import build_shard
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.regions.tree import RegionTree
from ouro_toolkit.schema import OURO_FEATURES
from tests.helpers.images import photo

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry")
FAST_PROMPTS = "version: test-fast\ndescribe_max_new_tokens: 6\nqa_max_new_tokens: 12\n"


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("images")
    for name in PHOTOS:
        photo(name, (192, 144)).save(folder / f"{name}.jpg")
    (folder / "zz_corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    (folder / "annotations.jsonl").write_text(
        '{"file": "coffee.jpg", "captions": ["A cup of coffee."]}\n'
    )
    return folder


@pytest.fixture(scope="module")
def prompts_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("prompts") / "fast.yaml"
    path.write_text(FAST_PROMPTS)
    return path


def make_config(
    out: Path, image_folder: Path, model: Path, prompts: Path, **overrides
) -> BuildConfig:
    settings = dict(
        source="local",
        data_dir=str(image_folder),
        model=str(model),
        out=str(out),
        proposers=["grouping"],
        decompose=DecomposeConfig(max_depth=1, max_children=3),
        prompts_path=str(prompts),
        batch_size=1,
        # One request at a time: greedy outputs independent of batch padding.
        backend_options={"batch_size": 1},
        progress=False,
    )
    settings.update(overrides)
    # Written in the flat names build_config.json had; `from_dict` reads them as it reads an older folder.
    return BuildConfig.from_dict(settings)


@pytest.fixture(scope="module")
def reference_build(tmp_path_factory, image_folder, tiny_model_dir, prompts_file):
    out = tmp_path_factory.mktemp("reference")
    config = make_config(out, image_folder, tiny_model_dir, prompts_file)
    return config, build_shard(config)


def rows_of(out: Path) -> list[dict]:
    dataset = load_dataset("parquet", data_dir=str(out / "data"), split="train")
    assert dataset.features == OURO_FEATURES
    return dataset.cast_column("image", dataset.features["image"].__class__(decode=False)).to_list()


def test_build_writes_loadable_rows_with_trees(reference_build):
    config, stats = reference_build
    rows = rows_of(config.out_dir)
    assert [r["id"] for r in rows] == [f"local/{n}.jpg" for n in sorted(PHOTOS)] + [
        "local/zz_corrupt.jpg"
    ]
    good = [r for r in rows if r["status"] == "ok"]
    assert len(good) == len(PHOTOS)
    for row in good:
        tree = RegionTree.from_rows(row["regions"])
        assert tree.to_rows() == row["regions"]
        assert len(tree.nodes) >= 2 and all(n.description for n in tree.nodes)
        assert row["description"].startswith(tree.root.description.rstrip("."))
        assert row["provenance"]["prompt_version"] == "test-fast" and row["image"]["bytes"]
    coffee = next(r for r in rows if r["id"] == "local/coffee.jpg")
    assert coffee["original"]["captions"] == ["A cup of coffee."]
    # Exactly one model call per node plus one QA call per readable image.
    assert stats.model_calls == sum(len(r["regions"]) for r in good) + len(good)
    marker = config.layout.read_marker(config.shard_index)
    assert marker["rows"] == len(rows)
    assert 0 < marker["parent_cpu_s"] < 1000  # measured in this process, recorded with the shard


def test_corrupt_image_row_is_kept_with_its_error(reference_build):
    config, stats = reference_build
    corrupt = next(r for r in rows_of(config.out_dir) if r["id"] == "local/zz_corrupt.jpg")
    assert corrupt["status"] == "error" and corrupt["image"] is None and corrupt["regions"] == []
    assert "zz_corrupt.jpg" in corrupt["error"] and "cannot decode" in corrupt["error"]
    assert stats.errors == 1


def test_rerun_skips_finished_shard_and_other_settings_are_refused(
    reference_build, image_folder, tiny_model_dir, prompts_file
):
    config, _ = reference_build
    again = build_shard(make_config(config.out_dir, image_folder, tiny_model_dir, prompts_file))
    assert again.skipped
    with pytest.raises(ValueError, match="differs in: decompose"):
        build_shard(
            make_config(
                config.out_dir,
                image_folder,
                tiny_model_dir,
                prompts_file,
                decompose=DecomposeConfig(max_depth=2),
            )
        )


def test_http_backend_against_transformers_serve(tmp_path, image_folder, prompts_file, tiny_server):
    config = make_config(
        tmp_path,
        image_folder,
        tiny_server.model,
        prompts_file,
        backend="openai",
        server_url=tiny_server.url,
        limit=2,
        backend_options={},
    )
    stats = build_shard(config)
    rows = rows_of(tmp_path)
    assert len(rows) == 2 and all(r["status"] == "ok" for r in rows), [r["error"] for r in rows]
    assert all(r["provenance"]["backend"] == "openai" for r in rows)
    assert stats.model_calls == sum(len(r["regions"]) + 1 for r in rows)


def _cache_entries(out: Path) -> int:
    path = BuildLayout(out).cache_path(0)
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_sigkill_mid_shard_then_rerun_matches_uninterrupted(
    tmp_path, reference_build, image_folder, tiny_model_dir, prompts_file
):
    ref_config, ref_stats = reference_build
    command = [
        sys.executable, "-m", "ouro_toolkit.cli.main", "build", "--source", "local", "--data-dir", str(image_folder),
        "--model", str(tiny_model_dir), "--out", str(tmp_path), "--proposers", "grouping", "--max-depth", "1",
        "--max-children", "3", "--prompts", str(prompts_file), "--batch-size", "1", "--no-progress",
        "--backend-option", "batch_size=1",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy()
    )
    deadline = time.monotonic() + 240
    while _cache_entries(tmp_path) < 6 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert process.poll() is None, "the build finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").glob("*.parquet")), (
        "no half shard published"
    )
    answered_before_kill = _cache_entries(tmp_path)
    assert 6 <= answered_before_kill < ref_stats.model_calls

    stats = build_shard(make_config(tmp_path, image_folder, tiny_model_dir, prompts_file))
    assert stats.cache_hits == answered_before_kill, (
        "every call answered before the kill is replayed"
    )
    assert stats.model_calls == ref_stats.model_calls - answered_before_kill, (
        "no finished work asked again"
    )
    assert rows_of(tmp_path) == rows_of(ref_config.out_dir)


def test_inspect_prints_a_row_and_draws_its_tree(reference_build, tmp_path):
    from click.testing import CliRunner
    from PIL import Image

    from ouro_toolkit.cli.main import cli

    config, _ = reference_build
    png = tmp_path / "tree.png"
    result = CliRunner().invoke(
        cli, ["inspect", str(config.out_dir), "--row", "1", "--png", str(png)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "id: local/chelsea.jpg" in result.output
        and "region tree (" in result.output
        and "d0 (merged description):" in result.output
    )
    assert Image.open(png).size == (192, 144)
    result = CliRunner().invoke(cli, ["inspect", str(config.out_dir), "--row", "99"])
    assert result.exit_code == 1 and "has 6 rows" in result.output


def test_rebuild_replays_every_call_from_the_cache(reference_build):
    from click.testing import CliRunner

    from ouro_toolkit.cli.main import cli

    config, stats = reference_build
    before = rows_of(config.out_dir)
    result = CliRunner().invoke(cli, ["rebuild", str(config.out_dir), "--shard", "0"])
    assert result.exit_code == 0, result.output
    assert f"0 model calls, {stats.model_calls} from cache" in result.output
    assert rows_of(config.out_dir) == before


def test_map_step_with_datasets_map(image_folder, tiny_model_dir, prompts_file):
    """The same step as a plain `datasets.map` over a source dataset (images decoded or not)."""
    from datasets import Dataset

    from ouro_toolkit.annotate.prompts import load_prompts
    from ouro_toolkit.backends import create_backend
    from ouro_toolkit.builders.registry import iter_source
    from ouro_toolkit.pipeline.map_step import OuroMapStep
    from ouro_toolkit.proposers import build_proposers
    from ouro_toolkit.source_schema import SOURCE_FEATURES

    source = Dataset.from_list(
        list(iter_source("local", data_dir=str(image_folder), limit=3)), features=SOURCE_FEATURES
    )
    backend = create_backend("transformers", str(tiny_model_dir), batch_size=1)
    step = OuroMapStep.create(
        backend,
        build_proposers(["grouping"]),
        TreeRecipe(("grouping",), decompose=DecomposeConfig(max_depth=1, max_children=2)),
        load_prompts(prompts_file),
    )
    ouro = source.map(
        step, batched=True, batch_size=2, remove_columns=source.column_names, features=OURO_FEATURES
    )
    assert len(ouro) == 3 and ouro.features == OURO_FEATURES
    assert all(r["status"] == "ok" and len(r["regions"]) >= 2 and r["description"] for r in ouro)
    assert ouro[0]["image"].size == source[0]["image"].size


def test_server_down_keeps_rows_and_a_rerun_with_the_server_up_completes(
    tmp_path, image_folder, prompts_file, tiny_server
):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = dict(backend="openai", limit=2, backend_options={"max_retries": 2, "backoff": 0.05})
    down = make_config(
        tmp_path,
        image_folder,
        tiny_server.model,
        prompts_file,
        server_url=f"http://127.0.0.1:{port}",
        **settings,
    )
    stats = build_shard(down)
    rows = rows_of(tmp_path)
    assert len(rows) == 2 and stats.errors == 2 and stats.failed_calls == 2 and not stats.complete
    for row in rows:
        assert (
            row["status"] == "error" and "describe node 0" in row["error"] and row["image"]["bytes"]
        )
        assert len(row["regions"]) >= 2  # the tree is kept
    assert not (tmp_path / "markers").exists() or not list((tmp_path / "markers").iterdir())

    up = make_config(
        tmp_path,
        image_folder,
        tiny_server.model,
        prompts_file,
        server_url=tiny_server.url,
        **settings,
    )
    stats = build_shard(up)  # same command, server back: the shard is redone, not skipped
    assert stats.complete and not stats.skipped and stats.errors == 0
    assert all(r["status"] == "ok" for r in rows_of(tmp_path))
    assert build_shard(up).skipped


def test_unloadable_model_fails_before_any_shard_is_written(
    tmp_path, image_folder, prompts_file, tiny_model_dir
):
    config = make_config(tmp_path, image_folder, tmp_path / "no-such-model", prompts_file)
    with pytest.raises(BackendLoadError, match="could not load model"):
        build_shard(config)
    assert not list(tmp_path.iterdir()), "a run that could not start leaves nothing behind"
    # ...so the corrected command, even with other settings, is not refused.
    fixed = make_config(
        tmp_path, image_folder, tiny_model_dir, prompts_file, limit=1, proposers=["ocr"]
    )
    assert build_shard(fixed).complete


def test_unknown_source_fails_before_anything_loads(tmp_path, prompts_file):
    with pytest.raises(ValueError, match="known sources: .*local"):
        build_shard(BuildConfig(source="nope", backend=BackendSpec("m"), out=str(tmp_path)))
    assert not list(tmp_path.iterdir())


def test_a_proposer_failing_on_one_image_gives_it_no_regions_and_a_note_not_a_dead_row(
    tmp_path, image_folder, tiny_model_dir, prompts_file
):
    from ouro_toolkit.pipeline.map_step import OuroMapStep

    class ExplodingProposer:
        """Fails on every image (a stand-in for an OCR or CUDA error), named for what it does."""

        name = "exploding"

        def propose(self, image):
            raise RuntimeError("CUDA out of memory")

    from ouro_toolkit.backends import create_backend

    step = OuroMapStep.create(
        create_backend("transformers", str(tiny_model_dir)), [ExplodingProposer()]
    )
    row = {
        "id": "x/1",
        "image": {"bytes": (image_folder / "coffee.jpg").read_bytes(), "path": None},
        "source": "x",
        "task": "caption",
    }
    prepared = step.prepare(row)
    assert prepared.error == "" and [n.proposer for n in prepared.tree.nodes] == ["root"]
    assert prepared.note == (
        "proposals: exploding proposer failed on this image (RuntimeError: CUDA out of memory); "
        "no exploding regions"
    )
    [out] = asyncio.run(step.annotate([prepared]))
    assert out["status"] == "ok" and out["error"] == prepared.note and out["description"]


def test_inspect_png_applies_exif_orientation(tmp_path):
    import io

    from PIL import Image

    from ouro_toolkit.pipeline.inspect import draw_tree

    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90°: 80x40 stored, 40x80 displayed
    buffer = io.BytesIO()
    photo("coffee", (80, 40)).save(buffer, format="JPEG", exif=exif)
    regions = RegionTree.with_root(40, 80).to_rows()
    assert draw_tree({"bytes": buffer.getvalue(), "path": None}, regions).size == (40, 80)


def test_the_embedded_backend_counts_prompt_tokens_with_its_tokenizer(
    tmp_path, image_folder, tiny_model_dir, prompts_file
):
    """The summary says what was measured: no server here, so the tokenizer counted them."""
    from click.testing import CliRunner

    from ouro_toolkit.cli.main import cli

    args = [
        "build", "--source", "local", "--data-dir", str(image_folder), "--model", str(tiny_model_dir),
        "--out", str(tmp_path), "--proposers", "grouping", "--max-depth", "1", "--max-children", "3",
        "--prompts", str(prompts_file), "--batch-size", "1", "--limit", "1", "--no-progress",
    ]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    marker = BuildLayout(tmp_path).read_marker(0)
    assert marker["prompt_tokens_by"] == "counted by the tokenizer"
    requests = marker["server_requests"]
    assert requests == marker["model_calls"] > 0
    # Every request holds an image (dozens of tokens after the tiny model's merge) and the prompt.
    assert marker["prompt_tokens"] > 20 * requests
    per_request = round(marker["prompt_tokens"] / requests)
    line = (
        f"{per_request} prompt tokens per request (counted by the tokenizer, {requests} requests)"
    )
    assert line in result.stdout
    assert "as the server reported them" not in result.stdout
