"""`ouro describe IMAGE --model M`: the region tree of one image, every node described by the VLM.

This uses one simple per-node prompt; the annotator (merging child descriptions into d0, QA
synthesis) builds on the same backends.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import click
from PIL import Image

from ouro_toolkit.cli.options import image_and_tree, proposer_options

DESCRIBE_PROMPT = (
    "Describe this image region in one short sentence. Start with the name of the main object."
)
PROMPT_VERSION = "describe-v1"
MIN_CROP_SIDE = 28  # Qwen2-VL's patch merge needs at least 28 px a side


@dataclass
class NodeFailure:
    node_id: int
    error: str


def crop_region(image: Image.Image, bbox: tuple[float, float, float, float]) -> Image.Image:
    """The region's pixels, upscaled if a side is below what the vision tower accepts."""
    crop = image.crop(tuple(round(v) for v in bbox))
    short = min(crop.size)
    if 0 < short < MIN_CROP_SIDE:
        scale = MIN_CROP_SIDE / short
        crop = crop.resize(
            (
                max(MIN_CROP_SIDE, round(crop.width * scale)),
                max(MIN_CROP_SIDE, round(crop.height * scale)),
            )
        )
    return crop


async def describe_tree(image, tree, backend, max_new_tokens: int = 64) -> list[NodeFailure]:
    """Fill `description` of every node (all nodes in one concurrent batch); return failures."""
    from ouro_toolkit.backends.base import SamplingParams, VLMRequest

    sampling = SamplingParams(max_new_tokens=max_new_tokens)
    requests = [
        VLMRequest(
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "image", "image": crop_region(image, node.bbox)},
                        {"type": "text", "text": DESCRIBE_PROMPT},
                    ],
                }
            ],
            sampling=sampling,
            prompt_version=PROMPT_VERSION,
        )
        for node in tree.nodes
    ]
    results = await backend.generate(requests)
    failures = []
    for node, result in zip(tree.nodes, results, strict=True):
        if result.ok:
            node.description = result.text
        else:
            failures.append(NodeFailure(node.node_id, result.error or "no text"))
    return failures


@click.command()
@click.argument("image", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--model", required=True, help="Hub id or local folder, e.g. Qwen/Qwen2-VL-7B-Instruct."
)
@click.option(
    "--backend",
    "backend_kind",
    type=click.Choice(["transformers", "openai"]),
    default="transformers",
    show_default=True,
    help="transformers: in-process; openai: an OpenAI-compatible server (SGLang, vLLM, transformers serve).",
)
@click.option(
    "--server-url",
    default=None,
    help="Base URL of the server for --backend openai (see `ouro serve`).",
)
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite replay cache file.",
)
@click.option("--max-new-tokens", default=64, show_default=True, type=click.IntRange(1))
@click.option(
    "--concurrency",
    default=32,
    show_default=True,
    type=click.IntRange(1),
    help="Requests in flight (openai) or batch size (transformers).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the nodes as a JSON list (flat schema, root first).",
)
@proposer_options
def describe(
    image: str,
    model: str,
    backend_kind: str,
    server_url: str | None,
    cache_path: str | None,
    max_new_tokens: int,
    concurrency: int,
    as_json: bool,
    **options,
) -> None:
    """Split IMAGE into its region tree and describe every region with the VLM.

    \b
    Examples:
      ouro describe photo.jpg --model Qwen/Qwen2-VL-7B-Instruct
      ouro describe photo.jpg --model Qwen/Qwen2-VL-7B-Instruct --backend openai \\
          --server-url http://127.0.0.1:30000 --cache describe.sqlite --json
    """
    from ouro_toolkit.backends import create_backend

    if backend_kind == "openai" and not server_url:
        raise click.BadParameter(
            "--backend openai needs --server-url (e.g. the URL `ouro serve` prints)"
        )
    if backend_kind != "openai" and server_url:
        raise click.BadParameter("--server-url is only used with --backend openai")
    picture, tree = image_and_tree(image, options)
    size = {"concurrency": concurrency} if backend_kind == "openai" else {"batch_size": concurrency}
    backend = create_backend(
        backend_kind, model, server_url=server_url, cache_path=cache_path, **size
    )

    async def run():
        try:
            return await describe_tree(picture, tree, backend, max_new_tokens)
        finally:
            await backend.aclose()

    failures = asyncio.run(run())
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
