"""`ouro describe IMAGE --model M`: the region tree of one image, every node described by the VLM.

Each node's request is the annotator's own (`RecursiveAnnotator.describe_request`, the versioned
prompt file), so `ouro describe` shows what `ouro build` would write for that node's `label` and
`description`. Small crops need no upscaling here: the Qwen2-VL processor resizes them itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass

import click
from PIL import Image

from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.cli.options import (
    backend_options,
    image_and_tree,
    prompts_option,
    proposer_options,
)
from ouro_toolkit.cli.output import chatter_to_stderr
from ouro_toolkit.errors import ConfigError


@dataclass
class NodeFailure:
    node_id: int
    error: str


async def describe_tree(image: Image.Image, tree, backend, prompts) -> list[NodeFailure]:
    """Fill `label` and `description` of every node (all nodes in one backend call); return failures."""
    from ouro_toolkit.annotate.annotator import RecursiveAnnotator, parse_description
    from ouro_toolkit.annotate.model_settings import model_settings

    annotator = RecursiveAnnotator(
        backend, prompts, crop_border=model_settings(backend.model).crop_border
    )
    requests = [annotator.describe_request(image, node) for node in tree.nodes]
    results = await backend.generate(requests)
    failures = []
    for node, result in zip(tree.nodes, results, strict=True):
        # As in the annotator: a reply that is not the JSON asked for still has text, kept.
        if result.text is None:
            failures.append(NodeFailure(node.node_id, result.error or "no text"))
        else:
            node.label, node.description = parse_description(result.text)
    return failures


async def describe_then_close(image: Image.Image, tree, backend, prompts) -> list[NodeFailure]:
    try:
        return await describe_tree(image, tree, backend, prompts)
    finally:
        await backend.aclose()


@click.command()
@click.argument("image")
@backend_options(
    "model",
    "kind",
    "server_url",
    helps={"model": "Hub id or local folder, e.g. Qwen/Qwen2-VL-7B-Instruct."},
)
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite replay cache file.",
)
@click.option(
    "--max-new-tokens",
    default=None,
    type=click.IntRange(1),
    help="Token budget per region  [default: the prompt file's describe_max_new_tokens].",
)
# All of an image's regions go to the backend in one call: one number bounds both.
@backend_options(
    "concurrency",
    helps={"concurrency": "Requests in flight (openai) or batch size (transformers)."},
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the nodes as a JSON list (flat schema, root first).",
)
@proposer_options
@prompts_option
def describe(
    image: str,
    model: str,
    kind: str,
    server_url: str | None,
    cache_path: str | None,
    max_new_tokens: int | None,
    concurrency: int,
    as_json: bool,
    prompts_path: str | None,
    **options,
) -> None:
    """Split IMAGE into its region tree and describe every region with the VLM.

    \b
    Examples:
      ouro describe photo.jpg --model Qwen/Qwen2-VL-7B-Instruct
      ouro describe photo.jpg --model Qwen/Qwen2-VL-7B-Instruct --backend openai \\
          --server-url http://127.0.0.1:30000 --cache describe.sqlite --json
    """
    import yaml

    from ouro_toolkit.annotate.prompts import load_prompts
    from ouro_toolkit.backends import backend_from_spec

    try:
        spec = BackendSpec(model, kind, server_url, batch_size=concurrency, concurrency=concurrency)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--server-url") from None
    try:
        prompts = load_prompts(prompts_path)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise click.ClickException(
            f"--prompts {prompts_path}: {' '.join(str(exc).split())}"
        ) from None
    if max_new_tokens is not None:
        prompts = dataclasses.replace(prompts, describe_max_new_tokens=max_new_tokens)
    with chatter_to_stderr():  # weight downloads and library chatter never reach stdout
        picture, tree = image_and_tree(image, options)
        vlm = backend_from_spec(spec, cache_path=cache_path)
        failures = asyncio.run(describe_then_close(picture, tree, vlm, prompts))
    if len(failures) == len(tree.nodes):
        raise click.ClickException(f"no region of {image} could be described: {failures[0].error}")
    if as_json:
        errors = {f.node_id: f.error for f in failures}
        rows = [{**row, "error": errors.get(row["node_id"])} for row in tree.to_rows()]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        click.echo(tree.render())
    if failures:
        click.echo(
            f"warning: {len(failures)} of {len(tree.nodes)} regions could not be described "
            f"(first: node {failures[0].node_id}: {failures[0].error})",
            err=True,
        )
