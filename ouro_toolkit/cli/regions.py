"""`ouro regions IMAGE`: print the region tree of one image."""

from __future__ import annotations

import json

import click

from ouro_toolkit.cli.options import proposer_options, tree_config_from_options
from ouro_toolkit.images import ImageLoadError, load_image


@click.command()
@click.argument("image", type=click.Path(dir_okay=False, path_type=str))
@proposer_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list of nodes in the flat schema, root first.",
)
def regions(image: str, as_json: bool, **options) -> None:
    """Split IMAGE recursively into sub-regions and print the tree.

    \b
    Proposers: objects (the Faster R-CNN RPN when its weights can be had, else an
    offline felzenszwalb grouping), ocr (RapidOCR text lines), layout (document
    blocks), rpn and grouping by name.
    Example:  ouro regions photo.jpg --proposers objects,ocr --threshold 0.5 --max-depth 3
    """
    from ouro_toolkit.proposers import build_proposers
    from ouro_toolkit.regions.decompose import build_region_tree

    try:
        picture = load_image(image)
    except ImageLoadError as exc:
        raise click.ClickException(str(exc)) from None
    names, rpn_weights, config = tree_config_from_options(options)
    try:
        proposers = build_proposers(names, rpn_weights=rpn_weights)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--proposers") from None
    tree = build_region_tree(picture, proposers, config)
    click.echo(json.dumps(tree.to_rows(), indent=2) if as_json else tree.render())
