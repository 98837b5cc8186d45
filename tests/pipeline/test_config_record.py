"""`build_config.json` is written once however many shards start together; the others verify it."""

from __future__ import annotations

import json
import threading

import pytest

from ouro_toolkit.pipeline.config import CONFIG_FILE, BuildConfig


def shard_config(out, index: int, **extra) -> BuildConfig:
    return BuildConfig(
        source="local", model="m", out=str(out), num_shards=8, shard_index=index, **extra
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
