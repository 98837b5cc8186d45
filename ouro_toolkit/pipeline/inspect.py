"""Reading a build back: one row as text, and its region tree drawn on the image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from ouro_toolkit.errors import MissingFile
from ouro_toolkit.images import load_image
from ouro_toolkit.layout import BuildLayout
from ouro_toolkit.regions.tree import RegionTree

DEPTH_COLOURS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4")


def load_build(out_dir: str | Path):
    """The finished shards of a build folder as one `datasets.Dataset`."""
    from datasets import load_dataset

    layout = BuildLayout(Path(out_dir))
    files = [str(p) for p in layout.finished_files()]
    if not files:
        raise MissingFile(
            f"{out_dir}: no finished shards in {layout.data_dir}; run `ouro build` first"
        )
    return load_dataset("parquet", data_files={"train": files}, split="train")


def render_row(row: dict[str, Any]) -> str:
    lines = [
        f"id: {row['id']}   source: {row['source']}   task: {row['task']}   status: {row['status']}"
    ]
    if row["error"]:
        lines.append(f"error: {row['error']}")
    if row["regions"]:
        tree = RegionTree.from_rows(row["regions"])
        lines += [
            "",
            f"region tree ({len(tree.nodes)} regions, depth {tree.max_depth}):",
            tree.render(),
        ]
    lines += [
        "",
        "d0 (merged description):",
        row["description"] or "(none)",
        "",
        f"QA ({len(row['qa'])}):",
    ]
    lines += [
        f"  [{qa['aspect']}] Q: {qa['question']}\n      A: {qa['answer']}" for qa in row["qa"]
    ]
    provenance = row["provenance"]
    lines += [
        "",
        f"made by {provenance['model']} via {provenance['backend']}, prompts {provenance['prompt_version']}, config {provenance['config_hash']}",
    ]
    return "\n".join(lines)


def draw_tree(image: Image.Image | dict, regions: list[dict]) -> Image.Image:
    """The image with every region's box, coloured by depth, and its id and label."""
    if isinstance(image, dict):
        # The same loader as the build (EXIF orientation applied), so boxes land where they were found.
        image = load_image(image["bytes"])
    canvas = image.convert("RGB").copy()
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=max(10, canvas.width // 50))
    for node in RegionTree.from_rows(regions).nodes[1:]:
        colour = DEPTH_COLOURS[(node.depth - 1) % len(DEPTH_COLOURS)]
        draw.rectangle(node.bbox, outline=colour, width=max(1, 4 - node.depth))
        caption = f"{node.node_id} {node.label or node.proposer}"[:24]
        draw.text((node.bbox[0] + 3, node.bbox[1] + 2), caption, fill=colour, font=font)
    return canvas
