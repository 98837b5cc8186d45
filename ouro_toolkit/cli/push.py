"""`ouro push DIR --repo REPO`: publish an `ouro build` folder as a Hub dataset repo."""

from __future__ import annotations

from pathlib import Path

import click

from ouro_toolkit.retry import RetryPolicy


@click.command("push")
@click.argument("build_dir", type=click.Path(path_type=Path))
@click.option("--repo", "repo_id", required=True, help="Dataset repo id, e.g. your-name/ouro-coco.")
@click.option(
    "--shard",
    "shards",
    type=click.IntRange(0),
    multiple=True,
    help="Push only this shard index (repeatable). Default: every completed shard.",
)
@click.option(
    "--private", is_flag=True, help="Create the repo as private (when it does not exist yet)."
)
@click.option(
    "--retries",
    type=click.IntRange(1),
    default=RetryPolicy().attempts,
    show_default=True,
    help="Tries on rate limits, server and network errors (commit conflicts with other workers have their own budget).",
)
def push(
    build_dir: Path, repo_id: str, shards: tuple[int, ...], private: bool, retries: int
) -> None:
    """Upload the completed shards of BUILD_DIR to the dataset repo REPO.

    Shards go to data/train-XXXXX-of-YYYYY.parquet. The dataset card (statistics, how the data was
    made, an example row) is written only once every shard of the build is on the Hub, so a
    partial upload is never announced as complete. Several workers may push different shards of
    one build at once. The token comes from HF_TOKEN or `hf auth login`.

    \b
    Example:
      ouro push build/ --repo your-name/ouro-coco
      ouro push build/ --repo your-name/ouro-coco --shard 3     # one worker's shard
    """
    from ouro_toolkit.hub import RetryPolicy, push_dataset

    result = push_dataset(
        build_dir,
        repo_id,
        private=private,
        shards=list(shards) or None,
        retry=RetryPolicy(attempts=retries),
    )
    done = ", ".join(map(str, result.shards))
    state = (
        "all shards are on the Hub; dataset card written"
        if result.card_written
        else "the card will be written once every shard is on the Hub"
    )
    click.echo(
        f"pushed shard(s) {done} of {result.num_shards} to {result.url} "
        f"(commit {(result.commit_oid or '')[:10]}, {result.attempts} attempt(s)); {state}"
    )
