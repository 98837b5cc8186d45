"""`local`: a folder of your own images, with optional annotations.

`data_dir` is searched recursively for images (.jpg .jpeg .png .webp .bmp .gif .tif .tiff). An
optional `annotations.jsonl` at its top holds one JSON object per line:

    {"file": "sub/dir/photo.jpg", "captions": ["..."], "qa": [{"question": "...", "answers": ["..."]}]}

`file` is relative to data_dir. Each image becomes one row with id `local/<relative path>`; an
annotation whose file is missing, or a line that is not valid JSON, still becomes a row (no image,
`error` says what was wrong). One split, `train`. Rows are in sorted path order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets

from ouro_toolkit.builders.base import (
    Normalised,
    OuroSourceBuilder,
    OuroSourceConfig,
    SourceError,
    SourceSpec,
)
from ouro_toolkit.data.shards import ShardPlan

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
ANNOTATIONS = "annotations.jsonl"

SPEC = SourceSpec(
    name="local",
    task="caption",
    repo_id="-",
    splits=("train",),
    license="-",
    description="A local folder of images with an optional annotations.jsonl.",
    citation="",
)


@dataclass
class LocalConfig(OuroSourceConfig):
    """`task`: the task written on every row ("caption" by default; "vqa", "scene-text", "document")."""

    task: str = "caption"


class LocalImages(OuroSourceBuilder):
    SPEC = SPEC
    BUILDER_CONFIG_CLASS = LocalConfig
    config: LocalConfig

    def _split_generators(self, dl_manager: Any) -> list[datasets.SplitGenerator]:
        if not self.config.data_dir:
            raise SourceError(
                "source 'local' needs data_dir=<folder of images> (it has no Hub copy)"
            )
        root = Path(self.config.data_dir)
        if not root.is_dir():
            raise SourceError(f"source 'local': data_dir {str(root)!r} is not a folder")
        return [datasets.SplitGenerator(name="train", gen_kwargs={"root": str(root)})]

    def _generate_examples(self, root: str) -> Iterator[tuple[Any, dict]]:
        base = Path(root)
        annotations, bad_lines = read_annotations(base / ANNOTATIONS)
        images = sorted(
            p for p in base.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
        )
        # Every image is a file and one row: a shard reads only its own images (row i of the folder
        # belongs to shard i % num_shards, the same rule as whole files for the Parquet sources).
        plan = ShardPlan(self.config.shard_index, self.config.num_shards, by_file=False)
        rows = self._rows(base, images, annotations, bad_lines)
        for index, make in enumerate(make for i, make in enumerate(rows) if plan.keeps_row(i)):
            yield datasets.builder.Key(0, index), make()

    def _rows(self, base, images, annotations, bad_lines) -> Iterator[Callable[[], dict]]:
        """One maker per row, in folder order; only the makers a shard keeps are called."""
        for path in images:
            relative = path.relative_to(base).as_posix()
            note = annotations.pop(relative, None)
            yield lambda r=relative, p=str(path), n=note: self._row(r, p, n)
        for relative, note in list(annotations.items()):  # annotated, but the file is not there
            yield lambda r=relative, n=note: self._row(r, None, n)
        for line_no, message in bad_lines:
            yield lambda n=line_no, m=message: self._bad_line(n, m)

    def _bad_line(self, line_no: int, message: str) -> dict[str, Any]:
        row = Normalised(source_id=f"{ANNOTATIONS}:{line_no}", image=None)
        row.problem("bad annotation", message)
        return self._done(row)

    def _row(self, relative: str, path: str | None, note: dict[str, Any] | None) -> dict[str, Any]:
        # The bytes are embedded here: a row holding only a path would not survive a Parquet write.
        image = None if path is None else {"bytes": _read(path), "path": relative}
        row = Normalised(source_id=relative, image=image)
        if path is None:
            row.problem("missing image", f"{relative!r} is in {ANNOTATIONS} but not in the folder")
        if note:
            row.add_captions(note.get("captions"))
            qa = note.get("qa") or []
            if not isinstance(qa, list):
                row.problem(
                    "bad annotation", f"qa of {relative!r} is {type(qa).__name__}, not a list"
                )
                qa = []
            for item in qa:
                item = item if isinstance(item, dict) else {"question": item}
                row.add_qa(item.get("question"), item.get("answers"), item.get("choices"))
        return self._done(row)

    def _done(self, row: Normalised) -> dict[str, Any]:
        finished = self.complete(row, None)
        finished["task"] = self.config.task
        finished.pop("__image_key__", None)
        return finished


def _read(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def read_annotations(path: Path) -> tuple[dict[str, dict[str, Any]], list[tuple[int, str]]]:
    """`annotations.jsonl` -> ({relative file: annotation}, [(line number, problem)])."""
    notes: dict[str, dict[str, Any]] = {}
    bad: list[tuple[int, str]] = []
    if not path.is_file():
        return notes, bad
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                note = json.loads(line)
            except json.JSONDecodeError as exc:
                bad.append((line_no, f"line {line_no} is not valid JSON ({exc.msg})"))
                continue
            if not isinstance(note, dict) or not isinstance(note.get("file"), str):
                bad.append((line_no, f'line {line_no} has no "file" string'))
                continue
            notes[Path(note["file"]).as_posix()] = note
    return notes, bad
