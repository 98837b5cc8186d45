"""`ouro launch`: `ouro build`'s options (its own definitions, minus --shard-index), run on Ray."""

from __future__ import annotations

import click

from ouro_toolkit.cli.build import build, config_from_options
from ouro_toolkit.cli.fields import config_options
from ouro_toolkit.launch.config import LaunchConfig

LAUNCH_ONLY = ("ray_address", "max_retries", "gpus_per_shard", "cpus_per_shard", "max_in_flight")


def build_options(exclude: tuple[str, ...]):
    """Every option of `ouro build` but `exclude`: a new build option is a launch option too."""

    def decorate(command: click.Command) -> click.Command:
        command.params[:0] = [p for p in build.params if p.name not in exclude]
        return command

    return decorate


@build_options(exclude=("shard_index",))
@click.command()
@config_options(
    LaunchConfig,
    LAUNCH_ONLY,
    types={"cpus_per_shard": click.FloatRange(0, min_open=True)},
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
    from ouro_toolkit.launch import launch_build

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
