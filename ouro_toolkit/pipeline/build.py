"""`build_shard`: stream a source, annotate it recursively, write one Parquet shard.

Proposals for the next batches of images are computed while the model works on the current one:
by a pool of worker processes (`proposal_workers`, one per available core by default), or in a
thread of this process when it is 0. Model calls go through the shard's SQLite replay cache,
`OUT/cache/<shard>.sqlite`, so a killed run
that is started again replays everything it had already asked and continues where it stopped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from ouro_toolkit.annotate.prompts import load_prompts
from ouro_toolkit.backends import CachedBackend, RequestCache, backend_from_spec, load_now
from ouro_toolkit.backends.base import VLMBackend
from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.data.shards import shard_share
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.pipeline.prepare import Prepared
from ouro_toolkit.pipeline.proposal_pool import ProposalPool

if TYPE_CHECKING:
    from ouro_toolkit.pipeline.map_step import OuroMapStep

log = logging.getLogger(__name__)


@dataclass
class ShardStats:
    shard: str
    images: int = 0
    regions: int = 0
    qa: int = 0
    errors: int = 0
    model_calls: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    # Rows whose image was fine but whose model calls failed (server down, timeouts): worth retrying.
    failed_calls: int = 0
    proposal_cpu_s: float = 0.0  # CPU seconds spent decoding images and building trees
    # CPU seconds of this process from the first row to the last (all its threads: requests,
    # image encoding, merge, writing; not the proposal workers, not start-up).
    parent_cpu_s: float = 0.0
    # Prompt tokens of the requests the backend answered (`server_requests`), as the backend
    # measured them (`prompt_tokens_by`: a server's `usage`, or the embedded tokenizer); 0 when
    # it does not say.
    prompt_tokens: int = 0
    server_requests: int = 0
    prompt_tokens_by: str = ""
    skipped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.skipped or self.failed_calls == 0

    def add(self, row: dict[str, Any]) -> None:
        self.images += 1
        self.regions += len(row["regions"])
        self.qa += len(row["qa"])
        self.errors += row["status"] != "ok"
        # A row keeps its region tree only when its image was readable, so an error row with
        # regions failed on a model call; an unreadable image is final and not retried.
        self.failed_calls += row["status"] != "ok" and bool(row["regions"])

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v for k, v in self.__dict__.items() if k not in ("skipped", "extra")
        } | self.extra


def source_rows(config: BuildConfig) -> Iterator[dict[str, Any]]:
    """This shard's rows of the source: its own whole files when the source has at least as many
    files as there are shards, else every num_shards-th row (see `ouro_toolkit.data.shards`)."""
    from ouro_toolkit.builders.registry import iter_source

    yield from iter_source(
        config.source,
        data_dir=config.data_dir,
        split=config.split,
        repo_id=config.repo_id,
        limit=shard_share(config.limit, config.num_shards, config.shard_index),
        num_shards=config.num_shards,
        shard_index=config.shard_index,
        # Decoding happens once, in `prepare`, for this shard's rows only.
        verify_images=False,
    )


def make_backend(config: BuildConfig) -> VLMBackend:
    return load_now(backend_from_spec(config.backend))


def build_shard(config: BuildConfig, backend: VLMBackend | None = None) -> ShardStats:
    """Build shard `config.shard_index` of `config.out` (skipped when already complete).

    Publishing is the caller's decision: the returned stats say whether the shard is complete.
    """
    layout, index = config.layout, config.shard_index
    config.check_folder()
    name = layout.name(index)
    if layout.is_complete(index):
        log.info(
            "%s is complete, skipping (delete its marker or use `ouro rebuild` to redo it)", name
        )
        return ShardStats(shard=name, skipped=True, extra=layout.read_marker(index))
    prompts = load_prompts(config.prompts_path)
    config.tree.check()
    # Started first, while this process has one thread (a fork is then fast and safe) and has not
    # imported `datasets` and the model side yet: the workers build and warm up their proposers
    # while this process imports those and loads the model.
    pool = _start_pool(config)
    try:
        from ouro_toolkit.builders.registry import spec
        from ouro_toolkit.pipeline.map_step import OuroMapStep

        spec(config.source)  # an unknown source fails here, before the model loads
        proposers = [] if pool else config.tree.build_proposers()
        inner = backend or make_backend(config)
        if pool:
            pool.wait_ready()
        config.record()
        # The rollback journal, not WAL: OUT is often on a network file system (see cache.py).
        cached = CachedBackend(inner, RequestCache(layout.cache_path(index), journal_mode="DELETE"))
        step = OuroMapStep.create(
            cached,
            proposers,
            config.tree,
            prompts,
            config.config_hash(prompts.version),
            max_description_words=config.max_description_words,
        )
        return asyncio.run(_build(config, step, cached, pool))
    finally:
        if pool:
            pool.close()


def _start_pool(config: BuildConfig) -> ProposalPool | None:
    workers = config.resolved_proposal_workers()
    if workers == 0:
        return None
    # Two batches ahead: the next batch is ready when the model finishes the current one.
    return ProposalPool(
        config.tree.for_workers(), workers, max_pending=2 * config.batch_size + workers
    )


async def _build(
    config: BuildConfig, step: OuroMapStep, cached: CachedBackend, pool: ProposalPool | None
) -> ShardStats:
    rows = source_rows(config)
    prepared = pool.imap(rows) if pool else (step.prepare(row) for row in rows)

    # Ramp up 1, 2, 4, ... images: the model starts after one image's proposals instead of a
    # whole batch's, and each batch is proposed while the previous, half as big, is described.
    sizes = iter([2**k for k in range(config.batch_size.bit_length()) if 2**k < config.batch_size])

    def next_batch() -> list[Prepared]:
        size = next(sizes, config.batch_size)
        return list(islice(prepared, size))

    from ouro_toolkit.pipeline.shard_writer import ShardWriter

    stats = ShardStats(shard=config.shard_name())
    writer = ShardWriter(config.layout, config.shard_index)
    expected = shard_share(config.limit, config.num_shards, config.shard_index)
    bar = tqdm(total=expected, unit="img", desc=stats.shard, disable=not config.progress)
    start, cpu_start = time.perf_counter(), time.process_time()
    loop = asyncio.get_running_loop()
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ouro-propose") as executor:
            pending = loop.run_in_executor(executor, next_batch)
            while batch := await pending:
                # Overlap proposals with the model.
                pending = loop.run_in_executor(executor, next_batch)
                stats.proposal_cpu_s += sum(p.proposal_cpu_s for p in batch)
                for p in batch:
                    if p.note:  # said here: a worker process's log may go nowhere
                        log.warning("%s: %s", p.source_row.get("id"), p.note)
                for row in await step.annotate(batch):
                    writer.write(row)
                    stats.add(row)
                elapsed = time.perf_counter() - start
                bar.update(len(batch))
                bar.set_postfix(
                    img_s=f"{stats.images / elapsed:.2f}",
                    regions_s=f"{stats.regions / elapsed:.1f}",
                    errors=stats.errors,
                )
    except BaseException:
        if pool:  # unblocks a pending next_batch at once instead of after its proposals
            pool.close()
        writer.abort()
        raise
    finally:
        bar.close()
        await cached.aclose()
    stats.seconds = round(time.perf_counter() - start, 3)
    stats.parent_cpu_s = round(time.process_time() - cpu_start, 3)
    stats.model_calls, stats.cache_hits = cached.stats.model_calls, cached.stats.hits
    stats.proposal_cpu_s = round(stats.proposal_cpu_s, 3)
    server = getattr(cached.backend, "stats", None)
    stats.prompt_tokens = int(getattr(server, "prompt_tokens", 0))
    stats.server_requests = int(getattr(server, "requests", 0))
    stats.prompt_tokens_by = str(getattr(server, "prompt_tokens_counted_by", ""))
    # A shard with failed model calls is written (for inspection) but not marked done, so the
    # same command redoes it: answered calls replay from the cache, failed ones are asked again.
    writer.commit(stats.to_dict(), done=stats.complete)
    if not stats.complete:
        log.warning(
            "%s: %d rows failed on model calls; shard written but not marked complete: run the "
            "same command again to retry them (answered calls are replayed from the cache)",
            stats.shard,
            stats.failed_calls,
        )
    log.info(
        "%s: %d images, %d regions, %d error rows, %d model calls, %d cache hits",
        stats.shard,
        stats.images,
        stats.regions,
        stats.errors,
        stats.model_calls,
        stats.cache_hits,
    )
    return stats


def rebuild_shard(out_dir: str | Path, shard_index: int, **overrides: Any) -> ShardStats:
    """Redo one shard from the configuration recorded in `out_dir` (cached calls are replayed)."""
    config = BuildConfig.load(out_dir)
    config.shard_index = shard_index
    spec_fields = {f.name for f in dataclasses.fields(BackendSpec)}
    config.backend = config.backend.replace(
        **{k: v for k, v in overrides.items() if k in spec_fields}
    )
    for key, value in overrides.items():
        if key not in spec_fields:
            setattr(config, key, value)
    config.__post_init__()
    config.layout.marker_path(shard_index).unlink(missing_ok=True)
    return build_shard(config)
