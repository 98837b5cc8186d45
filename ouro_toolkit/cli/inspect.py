"""`ouro inspect DIR`: print one row of a build, optionally drawing its region tree."""

from __future__ import annotations

import click


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--row", "row_index", type=click.IntRange(0), default=0, show_default=True)
@click.option(
    "--png",
    type=click.Path(dir_okay=False),
    help="Also draw the image with every region's box (colour = depth) here.",
)
def inspect(out_dir: str, row_index: int, png: str | None) -> None:
    """Print row ROW of the build in OUT_DIR: its region tree with descriptions, d0 and the QA."""
    from ouro_toolkit.pipeline.inspect import draw_tree, load_build, render_row

    dataset = load_build(out_dir)
    if row_index >= len(dataset):
        raise click.ClickException(f"{out_dir} has {len(dataset)} rows; --row must be below that")
    row = dataset.cast_column("image", dataset.features["image"].__class__(decode=False))[row_index]
    click.echo(render_row(row))
    if png:
        if not row["image"]:
            raise click.ClickException(
                f"row {row_index} has no image (status {row['status']}: {row['error']})"
            )
        draw_tree(row["image"], row["regions"]).save(png)
        click.echo(f"\nwrote {png}")
