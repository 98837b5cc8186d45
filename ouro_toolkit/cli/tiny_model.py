"""`ouro tiny-model DIR`: write a tiny random Qwen2-VL for smoke runs and tests."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("tiny-model")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=0, show_default=True, help="Seed for the random weights.")
def tiny_model(out_dir: Path, seed: int) -> None:
    """Write a tiny, randomly initialised Qwen2-VL (model, processor, chat template) to OUT_DIR.

    It is made offline from configs in a few seconds (~1 MB) so smoke runs and tests can exercise
    the real code paths on a CPU. ITS TEXT OUTPUT IS MEANINGLESS (random weights). Real runs use
    Qwen/Qwen2-VL-7B-Instruct (or Qwen/Qwen2-VL-2B-Instruct).
    """
    from ouro_toolkit.models.tiny import REAL_MODEL_IDS, make_tiny_qwen2vl

    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / "config.json").exists():
        raise click.ClickException(
            f"{out_dir} exists and is not empty; pick a new or empty folder."
        )
    path = make_tiny_qwen2vl(out_dir, seed=seed)
    click.echo(
        f"wrote a tiny random Qwen2-VL to {path} (its text is meaningless; real runs use {REAL_MODEL_IDS[0]})"
    )
