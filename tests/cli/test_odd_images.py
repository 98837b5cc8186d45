"""Odd and bad image files through `ouro regions`, `ouro describe` and `ouro build`.

A usable file (thin, huge, 16-bit, CMYK, palette with transparency, EXIF-rotated, animated, a
wrong extension) succeeds; an unusable one (1 px wide, a decompression bomb, truncated, empty,
not an image, a directory) exits 1 with one line naming the file and what is wrong, never a
traceback. In a build each unusable file is an error row with that message and nothing else
is lost. RapidOCR cannot take the 3000x4 image (`ResizeImgError`): its tree has no OCR regions
and a warning says so, and its row is ok.

`ouro describe` and `ouro build` talk to a stand-in OpenAI-compatible server (a real HTTP
server answering at once): what is tested is the handling of files, not a model.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ouro_toolkit.cli.main import cli
from ouro_toolkit.serving.stand_in import ShardServer
from tests.helpers.odd_images import write_odd_images

TREE = ["--proposers", "grouping,ocr", "--max-depth", "1"]
OCR_WARNING = "ocr proposer failed on this image (ResizeImgError); no ocr regions"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, str | None]]:
    folder = tmp_path_factory.mktemp("odd")
    return folder, write_odd_images(folder)


@pytest.fixture(scope="module")
def server():
    with ShardServer() as running:
        yield running


def check(result, path: Path, error: str | None) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        path.name,
        result.exception,
    )
    assert "Traceback" not in result.output, result.output
    if error is None:
        assert result.exit_code == 0, (path.name, result.output)
        assert result.stdout.strip()
        return
    assert result.exit_code == 1, (path.name, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}: "), (path.name, lines)
    assert error in lines[0], (path.name, lines[0])


CORPUS = [
    "thin_3000x4.png", "thin_1x5000.png", "huge.png", "bomb.png", "sixteen_bit.png", "cmyk.jpg",
    "palette_transparent.png", "exif_rotated.jpg", "animated.gif", "truncated.png", "empty.png",
    "png_named.jpg", "text_named.png", "folder.png",
]  # fmt: skip


def test_the_corpus_is_what_the_tests_go_through(corpus):
    _, expected = corpus
    assert sorted(expected) == sorted(CORPUS)


@pytest.mark.parametrize("name", CORPUS)
def test_regions(corpus, name):
    folder, expected = corpus
    path = folder / name
    result = CliRunner().invoke(cli, ["regions", str(path), *TREE])
    check(result, path, expected[name])
    if name == "thin_3000x4.png":
        assert f"warning: {path}: {OCR_WARNING}" in result.stderr
        assert result.stdout.startswith("[0] root (0,0,3000,4)")


@pytest.mark.parametrize("name", CORPUS)
def test_describe(corpus, server, name):
    folder, expected = corpus
    path = folder / name
    args = ["describe", str(path), "--model", "stand-in", "--backend", "openai"]
    result = CliRunner().invoke(cli, [*args, "--server-url", server.url, *TREE])
    check(result, path, expected[name])
    if name == "thin_3000x4.png":
        assert OCR_WARNING in result.stderr


def test_build_keeps_an_error_row_per_unusable_file_and_loses_nothing(
    corpus, server, tmp_path, caplog
):
    folder, expected = corpus
    out = tmp_path / "out"
    args = ["build", "--source", "local", "--data-dir", str(folder), "--model", "stand-in"]
    args += ["--backend", "openai", "--server-url", server.url, "--out", str(out), *TREE]
    result = CliRunner().invoke(cli, [*args, "--no-progress", "--proposal-workers", "1"])
    assert result.exit_code == 0, result.output
    assert result.exception is None and "Traceback" not in result.output
    rows = {
        r["id"]: r for f in (out / "data").glob("*.parquet") for r in pq.read_table(f).to_pylist()
    }
    files = {n for n in expected if (folder / n).is_file()}  # a folder is no image to list
    assert set(rows) == {f"local/{n}" for n in files}
    for name in files:
        row = rows[f"local/{name}"]
        if expected[name] is None:
            assert row["status"] == "ok" and row["regions"] and row["qa"], (name, row["error"])
        else:
            assert row["status"] == "error" and not row["regions"], name
            assert name in row["error"] and expected[name] in row["error"], (name, row["error"])
            assert ";" not in row["error"], row["error"]  # one message, not two
    thin = rows["local/thin_3000x4.png"]
    assert thin["error"] == f"proposals: {OCR_WARNING}"
    assert f"local/thin_3000x4.png: proposals: {OCR_WARNING}" in caplog.text  # the warning
