"""`ouro build` and `ouro rebuild`: write OURO shards."""

from __future__ import annotations

import click

from ouro_toolkit.cli.fields import config_options
from ouro_toolkit.cli.options import (
    backend_options,
    backend_spec_from_options,
    prompts_option,
    proposer_options,
    tree_recipe_from_options,
)
from ouro_toolkit.pipeline.config import BuildConfig

# Spelled here for `ouro build` only: an option's words belong to the command it is in.
BUILD_HELP = {
    "batch_size": "Images annotated together.",
    "concurrency": "In-flight requests (server backends).",
    "model": "VLM id or path, e.g. Qwen/Qwen2-VL-7B-Instruct (or a folder from `ouro tiny-model`).",
}


@click.command()
@config_options(
    BuildConfig, ("source", "data_dir", "split", "repo_id", "limit"), required=("source",)
)
@backend_options("model", "kind", "server_url", helps=BUILD_HELP)
@config_options(
    BuildConfig, ("out",), required=("out",), types={"out": click.Path(file_okay=False)}
)
@config_options(BuildConfig, ("num_shards", "shard_index"))
@proposer_options
@prompts_option
@backend_options("max_pixels", "batch_size", "concurrency", helps=BUILD_HELP)
@click.option(
    "--backend-option",
    "backend_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Backend setting, repeatable: timeout=300, max_retries=8, dtype=bfloat16, ... (YAML values).",
)
@config_options(BuildConfig, ("push_to_hub", "proposal_workers", "max_description_words"))
@click.option("--no-progress", is_flag=True, help="No progress bar (for logs).")
def build(**options) -> None:
    """Annotate a source recursively into OURO rows, one Parquet shard per --shard-index.

    \b
    Examples:
      ouro build --source local --data-dir my_images --model Qwen/Qwen2-VL-7B-Instruct --out out/
      ouro build --source textvqa --limit 10000 --backend openai --server-url http://127.0.0.1:30000 \\
                 --model Qwen/Qwen2-VL-7B-Instruct --out out/ --num-shards 16 --shard-index $TASK_ID
    A finished shard is skipped on a rerun; an unfinished one is redone, replaying every model call
    already made from the shard's cache, OUT/cache/<shard>.sqlite. To run every shard on
    a Ray cluster with retries, see `ouro launch`.
    """
    from ouro_toolkit.pipeline.build import build_shard

    config = config_from_options(options)
    stats = build_shard(config)
    _push_if_asked(config, stats)
    if stats.skipped:
        click.echo(f"{stats.shard}: already complete in {config.out} (skipped)")
    else:
        click.echo(
            f"{stats.shard}: {stats.images} images, {stats.regions} regions, {stats.qa} QA pairs, "
            f"{stats.errors} error rows, {stats.model_calls} model calls ({stats.cache_hits} replayed from cache) "
            f"in {stats.seconds:.1f}s -> {config.out}"
        )
        # Only what was measured: a backend that counts no prompt tokens gets no line.
        if stats.server_requests and stats.prompt_tokens:
            click.echo(
                f"{stats.shard}: {stats.prompt_tokens / stats.server_requests:.0f} prompt tokens "
                f"per request ({stats.prompt_tokens_by}, {stats.server_requests} requests)"
            )
    _fail_if_incomplete(stats)


def config_from_options(options: dict) -> BuildConfig:
    """The BuildConfig of `build`'s parsed options (also `ouro launch`'s, which reuses them)."""
    options["tree"] = tree_recipe_from_options(options)
    options["progress"] = not options.pop("no_progress")
    options["backend"] = backend_spec_from_options(options)
    return BuildConfig(**options)


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--shard", "shard_index", type=click.IntRange(0), required=True, help="Shard index to rebuild."
)
@click.option("--server-url", help="New server URL (if the recorded one moved).")
def rebuild(out_dir: str, shard_index: int, server_url: str | None) -> None:
    """Rebuild one shard of OUT_DIR with the configuration recorded beside it."""
    from ouro_toolkit.pipeline.build import rebuild_shard

    overrides = {"server_url": server_url} if server_url else {}
    stats = rebuild_shard(out_dir, shard_index, **overrides)
    _push_if_asked(BuildConfig.load(out_dir), stats, shard_index)
    click.echo(
        f"{stats.shard}: rebuilt, {stats.images} images, {stats.model_calls} model calls, {stats.cache_hits} from cache"
    )
    _fail_if_incomplete(stats)


def _push_if_asked(config: BuildConfig, stats, shard_index: int | None = None) -> None:
    """Push a complete shard when the build asks for it; a skipped (complete) shard is pushed
    again, so a push that failed last time is retried (identical files are not re-uploaded)."""
    if config.push_to_hub and stats.complete:
        from ouro_toolkit.hub import push_dataset

        index = config.shard_index if shard_index is None else shard_index
        push_dataset(config.out_dir, config.push_to_hub, shards=[index])


def _fail_if_incomplete(stats) -> None:
    # Non-zero so a Slurm array or a shell loop sees the shard needs another run.
    if not stats.complete:
        raise click.ClickException(
            f"{stats.shard}: {stats.failed_calls} rows failed on model calls and the shard is not "
            "marked complete; run the same command again to retry them (answered calls replay from the cache)"
        )
