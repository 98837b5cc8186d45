"""`ouro build` and `ouro rebuild`: write OURO shards."""

from __future__ import annotations

import click

from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.cli.options import (
    backend_option,
    backend_spec_from_options,
    default_of,
    prompts_option,
    proposer_options,
    tree_recipe_from_options,
)
from ouro_toolkit.pipeline.config import BuildConfig


@click.command()
@click.option(
    "--source",
    required=True,
    help="Source name (see `ouro sources`), e.g. local, coco_caption, textvqa.",
)
@click.option(
    "--data-dir",
    help="Local copy of the source (for `local`: a folder of images, optional annotations.jsonl).",
)
@click.option("--split", help="Source split (default: the source's first).")
@click.option("--repo-id", help="Override the source's default Hub dataset id.")
@click.option(
    "--limit", type=click.IntRange(1), help="Stop after N source rows (all shards together)."
)
@click.option(
    "--model",
    required=True,
    help="VLM id or path, e.g. Qwen/Qwen2-VL-7B-Instruct (or a folder from `ouro tiny-model`).",
)
@backend_option(default_of(BackendSpec, "kind"))
@click.option(
    "--server-url", help="Server base URL for --backend openai (what `ouro serve` prints)."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Output folder (shards, markers, cache, config).",
)
@click.option(
    "--num-shards",
    type=click.IntRange(1),
    default=default_of(BuildConfig, "num_shards"),
    show_default=True,
)
@click.option(
    "--shard-index",
    type=click.IntRange(0),
    default=default_of(BuildConfig, "shard_index"),
    show_default=True,
)
@proposer_options
@prompts_option
@click.option(
    "--max-pixels",
    type=click.IntRange(1),
    default=default_of(BackendSpec, "max_pixels"),
    show_default=True,
    help="Image size bound for the embedded VLM  [default: the model's processor config].",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=default_of(BackendSpec, "batch_size"),
    show_default=True,
    help="Images annotated together.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1),
    default=default_of(BackendSpec, "concurrency"),
    show_default=True,
    help="In-flight requests (server backends).",
)
@click.option(
    "--backend-option",
    "backend_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Backend setting, repeatable: timeout=300, max_retries=8, dtype=bfloat16, ... (YAML values).",
)
@click.option(
    "--push-to-hub",
    help="Push each finished shard (and the dataset card) to this Hub dataset repo.",
)
@click.option(
    "--proposal-workers",
    type=click.IntRange(0),
    default=default_of(BuildConfig, "proposal_workers"),
    help="Processes building region trees [default: the cores available to this process]; "
    "0 builds them in a thread of the main process.",
)
@click.option(
    "--max-description-words",
    type=click.IntRange(1),
    default=default_of(BuildConfig, "max_description_words"),
    show_default=True,
    help="d0 budget: the finest regions' details are left out of the merged description first.",
)
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
