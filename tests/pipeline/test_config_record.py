"""`build_config.json` is written once however many shards start together; the others verify it."""

from __future__ import annotations

import json
import threading

import pytest

from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.errors import ConfigError
from ouro_toolkit.pipeline.config import CONFIG_FILE, BuildConfig


def shard_config(out, index: int, **extra) -> BuildConfig:
    return BuildConfig(
        source="local",
        out=str(out),
        num_shards=8,
        shard_index=index,
        **{"backend": BackendSpec("m"), **extra},
    )


def record_together(configs: list[BuildConfig]) -> list[object]:
    barrier = threading.Barrier(len(configs))
    results: list[object] = [None] * len(configs)

    def start(i: int) -> None:
        barrier.wait()  # every shard reaches record() at the same moment
        try:
            results[i] = configs[i].record()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(configs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("round_", range(5))
def test_shards_starting_together_write_the_config_once(tmp_path, round_):
    results = record_together([shard_config(tmp_path, i) for i in range(8)])
    assert sorted(results, key=str) == [False] * 7 + [True], results
    recorded = json.loads((tmp_path / CONFIG_FILE).read_text())
    assert recorded["num_shards"] == 8 and recorded["source"] == "local"
    assert sorted(p.name for p in tmp_path.iterdir()) == [CONFIG_FILE]  # no temporary file left


def test_a_shard_with_other_settings_is_refused_even_when_it_starts_together(tmp_path):
    configs = [shard_config(tmp_path, i, limit=10) for i in range(7)] + [
        shard_config(tmp_path, 7, limit=99)
    ]
    results = record_together(configs)
    errors = [r for r in results if isinstance(r, ValueError)]
    # Whoever won, the settings that lost are refused with the differing field named.
    assert len(errors) in (1, 7) and all("differs in: limit" in str(e) for e in errors)
    assert results.count(True) == 1


# build_config.json as the toolkit wrote it before the backend settings were one BackendSpec
# and the tree settings one TreeRecipe, with the config hash that toolkit gave its rows.
OLD_FORMAT = {
    "source": "local", "model": "m", "out": "OUT", "data_dir": None, "split": None,
    "repo_id": None, "limit": 10, "backend": "transformers", "server_url": None, "num_shards": 8,
    "shard_index": 0, "proposers": ["objects", "ocr"], "rpn_weights": "DEFAULT",
    "decompose": {"threshold": 0.5, "max_depth": 3, "min_region_size": 32, "min_text_height": 8,
                  "max_child_area_ratio": 0.7, "max_children": 10, "nms_iou": 0.5,
                  "leaf_proposers": ["ocr"], "max_regions": 32, "proposal_mode": "fast"},
    "prompts_path": None, "max_pixels": 262144, "batch_size": 8, "concurrency": 64,
    "backend_options": {}, "push_to_hub": None, "progress": True, "proposal_workers": None,
    "max_description_words": 600,
}  # fmt: skip
OLD_HASH = "6146550891a513a2"


def old_folder(tmp_path) -> None:
    (tmp_path / "build_config.json").write_text(
        json.dumps(dict(OLD_FORMAT, out=str(tmp_path)), indent=2)
    )


def test_a_folder_recorded_in_the_old_format_resumes_with_the_same_hash(tmp_path):
    old_folder(tmp_path)
    same = shard_config(tmp_path, 3, limit=10, backend=BackendSpec("m", max_pixels=262_144))
    assert same.check_folder() and not same.record()
    assert same.config_hash("ouro-v1") == OLD_HASH
    assert BuildConfig.load(tmp_path).output_settings() == same.output_settings()
    # Left as it was: the folder's own record is not rewritten in the new shape.
    assert json.loads((tmp_path / "build_config.json").read_text())["backend"] == "transformers"


def test_an_old_folder_built_at_the_old_default_size_is_refused_with_the_fix(tmp_path):
    old_folder(tmp_path)
    with pytest.raises(
        ConfigError, match=r"differs in: max_pixels.*older toolkit.*--max-pixels 262144"
    ):
        shard_config(tmp_path, 3, limit=10).record()


def test_the_tree_recipe_and_the_backend_spec_are_recorded_whole(tmp_path):
    tree = TreeRecipe(("grouping",), decompose=DecomposeConfig(max_depth=1))
    config = shard_config(tmp_path, 0, tree=tree)
    assert config.record()
    recorded = json.loads((tmp_path / CONFIG_FILE).read_text())
    assert recorded["tree"]["proposers"] == ["grouping"]
    assert recorded["tree"]["decompose"]["max_depth"] == 1
    assert recorded["backend"]["model"] == "m"
    loaded = BuildConfig.load(tmp_path)
    assert loaded.tree == tree and loaded.backend == config.backend
