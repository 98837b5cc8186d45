"""The `local` source: a folder of images plus an optional annotations.jsonl."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ouro_toolkit.builders.base import SourceError
from ouro_toolkit.builders.registry import get_builder, iter_source
from tests.helpers.source_layouts import image_bytes


def make_folder(root: Path) -> Path:
    (root / "street" / "night").mkdir(parents=True)
    (root / "a.png").write_bytes(image_bytes("astronaut"))
    (root / "street" / "night" / "b.JPG").write_bytes(image_bytes("coffee"))
    (root / "broken.jpg").write_bytes(b"\xff\xd8 truncated jpeg")
    (root / "notes.txt").write_text("not an image")
    lines = [
        json.dumps(
            {
                "file": "a.png",
                "captions": ["An astronaut."],
                "qa": [{"question": "Who?", "answers": "an astronaut"}],
            }
        ),
        json.dumps({"file": "gone.png", "captions": ["Lost."]}),
        "{not json",
        "",
        json.dumps(
            {
                "file": "street/night/b.JPG",
                "qa": [{"question": "", "answers": ["cup"], "choices": ["cup", "mug"]}],
            }
        ),
    ]
    (root / "annotations.jsonl").write_text("\n".join(lines) + "\n")
    return root


def test_local_folder_with_annotations(tmp_path: Path) -> None:
    rows = {r["id"]: r for r in iter_source("local", data_dir=str(make_folder(tmp_path)))}

    assert list(rows) == [
        "local/a.png",
        "local/broken.jpg",
        "local/street/night/b.JPG",
        "local/gone.png",
        "local/annotations.jsonl:3",
    ]
    a = rows["local/a.png"]
    assert a["image"] == {"bytes": image_bytes("astronaut"), "path": "a.png"}
    assert a["captions"] == ["An astronaut."]
    assert a["qa"] == [{"question": "Who?", "answers": ["an astronaut"], "choices": []}]
    assert (a["error"], a["task"], a["source"]) == ("", "caption", "local")

    assert rows["local/broken.jpg"]["error"].startswith("unreadable image:")
    b = rows["local/street/night/b.JPG"]
    assert b["image"]["path"] == "street/night/b.JPG"
    assert b["qa"] == [{"question": "", "answers": ["cup"], "choices": ["cup", "mug"]}]
    assert b["error"] == "empty question: street/night/b.JPG has question ''"
    gone = rows["local/gone.png"]
    assert gone["image"] is None and gone["captions"] == ["Lost."]
    assert (
        gone["error"] == "missing image: 'gone.png' is in annotations.jsonl but not in the folder"
    )
    assert rows["local/annotations.jsonl:3"]["error"].startswith(
        "bad annotation: line 3 is not valid JSON"
    )


def test_local_without_annotations_and_task_option(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(image_bytes("page"))
    (row,) = iter_source("local", data_dir=str(tmp_path), task="document")
    assert (row["id"], row["task"], row["captions"], row["qa"], row["error"]) == (
        "local/x.png",
        "document",
        [],
        [],
        "",
    )


def test_local_needs_a_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="needs data_dir"):
        next(iter_source("local"))
    with pytest.raises(SourceError, match="is not a folder"):
        next(iter_source("local", data_dir=str(tmp_path / "missing")))


def test_local_stream_rows_equals_datasets_streaming(tmp_path: Path) -> None:
    builder = get_builder("local", data_dir=str(make_folder(tmp_path)))
    assert list(builder.stream_rows("train")) == list(
        builder.as_streaming_dataset(split="train").decode(False)
    )


def test_streaming_a_source_does_not_import_torch(tmp_path: Path) -> None:
    """`ouro build` streams in the parent process, where torch would cost seconds of start-up."""
    folder = make_folder(tmp_path)
    code = (
        "import sys\n"
        "from ouro_toolkit.builders.registry import iter_source\n"
        f"rows = list(iter_source('local', data_dir={str(folder)!r}))\n"
        "assert len(rows) == 5, rows\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
