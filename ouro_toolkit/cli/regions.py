"""`ouro regions IMAGE`: print the region tree of one image."""

from __future__ import annotations

import json

import click

from ouro_toolkit.cli.options import image_and_tree, proposer_options
from ouro_toolkit.cli.output import chatter_to_stderr


@click.command()
@click.argument("image")
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
    with chatter_to_stderr():  # weight downloads and library chatter never reach stdout
        _, tree = image_and_tree(image, options)
    click.echo(json.dumps(tree.to_rows(), indent=2) if as_json else tree.render())
