"""`ouro launch`: `ouro build`'s options (its own definitions, minus --shard-index), run on Ray."""

from __future__ import annotations

import click

from ouro_toolkit.cli.build import build, config_from_options

LAUNCH_ONLY = ("ray_address", "max_retries", "gpus_per_shard", "cpus_per_shard", "max_in_flight")


def build_options(exclude: tuple[str, ...]):
    """Every option of `ouro build` but `exclude`: a new build option is a launch option too."""

    def decorate(command: click.Command) -> click.Command:
        command.params[:0] = [p for p in build.params if p.name not in exclude]
        return command

    return decorate


@build_options(exclude=("shard_index",))
@click.command()
@click.option(
    "--ray-address",
    help="Ray cluster to join: 'auto' (the one `ray start` made on this node), or host:port. "
    "Default: start a local Ray instance for this launch.",
)
@click.option(
    "--max-retries",
    type=click.IntRange(0),
    default=2,
    show_default=True,
    help="More attempts for a shard whose worker died or whose model calls failed.",
)
@click.option(
    "--gpus-per-shard",
    type=click.FloatRange(0),
    help="GPUs per shard task (embedded backend). Default: 1 with --backend transformers on a "
    "cluster with GPUs, else 0.",
)
@click.option(
    "--cpus-per-shard", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True
)
@click.option(
    "--max-in-flight",
    type=click.IntRange(1),
    help="Most shards running at once (default: as many as the cluster fits).",
)
def launch(**options) -> None:
    """Run every unfinished shard of a build as a Ray task; retry lost or failed shards.

    \b
    Examples:
      ouro launch --source textvqa --backend openai --server-url http://10.0.0.5:30000 \\
                  --model Qwen/Qwen2-VL-7B-Instruct --out /shared/out --num-shards 64 --ray-address auto
      ouro launch --source local --data-dir imgs --model Qwen/Qwen2-VL-2B-Instruct --out out/ --num-shards 4
    Shards already complete are skipped; the command exits non-zero naming any shard that stayed
    incomplete, and the same command runs just those again. Needs `pip install 'ouro-toolkit[ray]'`.
    """
    from ouro_toolkit.launch import LaunchConfig, launch_build

    settings = {key: options.pop(key) for key in LAUNCH_ONLY}
    config = config_from_options(options)
    result = launch_build(config, LaunchConfig(**settings))
    done = config.num_shards - len(result.incomplete)
    click.echo(
        f"{done} of {config.num_shards} shards complete ({len(result.skipped)} found complete, "
        f"{len(result.shards)} run) in {result.seconds:.1f}s -> {config.out}"
    )
    if result.incomplete:
        names = ", ".join(f"{s.name} ({s.reason})" for s in result.incomplete)
        raise click.ClickException(
            f"{len(result.incomplete)} shard(s) incomplete: {names}; run the same command again "
            "to retry them (answered model calls replay from each shard's cache)"
        )
