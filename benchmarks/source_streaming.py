"""How much the source builders cost on top of reading the Parquet file itself.

Writes a TextVQA-layout Parquet (the card's thirteen columns, made up here; real photos from
skimage.data, JPEG, SIZE px, two questions per image) and times, side by side in one run:
  1. pyarrow alone: `ParquetFile.iter_batches` + `to_pylist` (the floor: no normalisation),
  2. `iter_source(..., verify_images=False)`: normalisation, grouping, datasets streaming,
  3. `iter_source(...)` default: 2. plus decoding every image once to catch corrupt ones.

    python benchmarks/source_streaming.py [ROWS] [SIZE]
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

# `python benchmarks/NAME.py` puts only benchmarks/ on the path; put the repo root there too, as
# `python -m benchmarks.NAME` does (tests/ and benchmarks/ are not installed packages).
if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import datasets  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402

from ouro_toolkit.builders.registry import iter_source  # noqa: E402

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera")


def jpeg(name: str, size: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(getattr(data, name)()).convert("RGB").resize((size, size * 3 // 4)).save(
        buffer, "JPEG"
    )
    return buffer.getvalue()


def textvqa_columns(rows: int, size: int) -> dict[str, list]:
    """`rows` question rows in the columns of `lmms-lab/textvqa` (builders/textvqa.py), two a photo;
    every column but the image is cheap made-up text, as the real ones are next to the image."""
    photos = [jpeg(name, size) for name in PHOTOS]
    questions = [f"What is shown in picture {i}?" for i in range(rows)]
    return {
        "image_id": [f"img{i // 2:06d}" for i in range(rows)],
        "question_id": list(range(34602, 34602 + rows)),
        "question": questions,
        "question_tokens": [q.lower().split() for q in questions],
        "image": [{"bytes": photos[(i // 2) % len(photos)], "path": None} for i in range(rows)],
        "image_width": [size] * rows,
        "image_height": [size * 3 // 4] * rows,
        "flickr_original_url": ["https://farm.example/x.jpg"] * rows,
        "flickr_300k_url": ["https://farm.example/x_z.jpg"] * rows,
        "answers": [["a thing"] * 10] * rows,
        "image_classes": [["Text"]] * rows,
        "set_name": ["val"] * rows,
        "ocr_tokens": [["stop"]] * rows,
    }


def write_fixture(root: Path, rows: int, size: int) -> Path:
    path = root / "data" / "validation-00000-of-00001.parquet"
    path.parent.mkdir(parents=True)
    table = datasets.Dataset.from_dict(textvqa_columns(rows, size))
    table.cast_column("image", datasets.Image()).to_parquet(str(path))
    return root


def timed(label: str, run) -> float:
    start = time.perf_counter()
    count = run()
    seconds = time.perf_counter() - start
    print(f"{label:<42} {count:>6} rows out  {seconds:7.3f} s")
    return seconds


def main(rows: int = 400, size: int = 480) -> None:
    datasets.disable_progress_bars()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        root = write_fixture(Path(tmp), rows, size)
        file = root / "data" / "validation-00000-of-00001.parquet"
        print(f"TextVQA layout, {rows} question rows, {rows // 2} images of {size}px JPEG")

        def raw() -> int:
            return sum(len(b.to_pylist()) for b in pq.ParquetFile(file).iter_batches(batch_size=32))

        def stream(verify: bool) -> int:
            return sum(
                1
                for _ in iter_source(
                    "textvqa", data_dir=str(root), split="validation", verify_images=verify
                )
            )

        raw(), next(iter_source("textvqa", data_dir=str(root), split="validation"))  # warm up
        floor = timed("pyarrow iter_batches + to_pylist", raw)
        plain = timed("iter_source, verify_images=False", lambda: stream(False))
        full = timed("iter_source, verify_images=True (default)", lambda: stream(True))
        print(f"ratio iter_source / pyarrow:             {plain / floor:6.1f}x")
        print(f"ratio iter_source+verify / pyarrow:      {full / floor:6.1f}x")
        print(f"ratio verify on / off:                   {full / plain:6.2f}x")
        print(f"iter_source+verify throughput:           {rows / full:6.0f} question rows/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "rows", nargs="?", type=int, default=400, help="question rows (default 400)"
    )
    parser.add_argument(
        "size", nargs="?", type=int, default=480, help="image side px (default 480)"
    )
    args = parser.parse_args()
    main(args.rows, args.size)
