"""`ouro describe`: region tree of a real photo, every node described, through both backends.

The requests are the annotator's (the versioned prompt file): the tiny random model's replies are
not the JSON asked for, so each node keeps its reply text as description, as `ouro build` does.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ouro_toolkit.cli.main import cli
from ouro_toolkit.serving.process import free_port
from tests.helpers.vlm_requests import photo

TREE_ARGS = [
    "--proposers",
    "grouping",
    "--max-depth",
    "1",
    "--max-new-tokens",
    "8",
    "--concurrency",
    "4",
]


@pytest.fixture(scope="module")
def photo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("describe") / "coffee.png"
    photo("coffee", (320, 240)).save(path)
    return path


def describe(*args: str):
    return CliRunner().invoke(cli, ["describe", *map(str, args)])


def _regions(path) -> list[dict]:
    """`ouro regions --json` with the tree settings of TREE_ARGS."""
    result = CliRunner().invoke(
        cli, ["regions", str(path), "--json", "--proposers", "grouping", "--max-depth", "1"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _boxes(rows: list[dict]) -> list[tuple[int, int, list[float]]]:
    return [(r["node_id"], r["parent_id"], r["bbox"]) for r in rows]


def test_describe_json_with_embedded_backend(photo_path, tiny_model_dir):
    result = describe(photo_path, "--model", tiny_model_dir, "--json", *TREE_ARGS)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["parent_id"] == -1 and len(rows) > 1  # root plus regions
    assert _boxes(rows) == _boxes(_regions(photo_path))  # the very tree `ouro regions` prints
    assert all(isinstance(r["description"], str) and r["description"] for r in rows)
    assert all(r["error"] is None and "<|" not in r["description"] for r in rows)
    assert all(isinstance(r["label"], str) for r in rows)


def test_describe_via_server_and_cache_replays_without_server(photo_path, tiny_server, tmp_path):
    cache = tmp_path / "describe.sqlite"
    args = ["--model", tiny_server.model, "--backend", "openai", "--cache", cache, *TREE_ARGS]
    first = describe(photo_path, "--server-url", tiny_server.url, "--json", *args)
    assert first.exit_code == 0, first.output
    rows = json.loads(first.stdout)
    assert len(rows) > 1 and all(r["description"] and r["error"] is None for r in rows)
    assert _boxes(rows) == _boxes(_regions(photo_path))
    # Same requests again, pointed at a port where nothing listens: only the cache can answer.
    dead = f"http://127.0.0.1:{free_port()}"
    second = describe(photo_path, "--server-url", dead, *args)
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("[0] root (0,0,320,240)")
    assert rows[0]["description"] in second.stdout
    # Other prompts are other requests (their version keys the cache): nothing to replay.
    override = tmp_path / "prompts.yaml"
    override.write_text("version: describe-test-v2\ndescribe_region: Name the main object.\n")
    third = describe(photo_path, "--server-url", dead, "--prompts", override, *args)
    assert third.exit_code == 1 and "no region of" in third.output


def test_describe_with_unreachable_server_fails_with_one_line(photo_path):
    result = describe(
        photo_path, "--model", "m", "--backend", "openai", "--server-url", f"http://127.0.0.1:{free_port()}",
        "--proposers", "grouping", "--max-depth", "0",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "no region of" in result.output and "ConnectError" in result.output
    assert "Traceback" not in result.output


def test_describe_bad_inputs_get_clear_errors(tmp_path, photo_path):
    missing = describe(tmp_path / "nope.jpg", "--model", "m")
    assert (
        missing.exit_code != 0
        and "nope.jpg" in missing.output
        and "Traceback" not in missing.output
    )
    no_url = describe(photo_path, "--model", "m", "--backend", "openai")
    assert no_url.exit_code == 2 and "--server-url" in no_url.output


@pytest.mark.parametrize(
    "text, expected",
    [
        ("describe_region: hi\n", "must set its own `version`"),
        ("version: x\nnot_a_prompt: 1\n", "unknown prompt keys ['not_a_prompt']"),
        ("version: [unclosed\n", "while parsing"),
    ],
)
def test_describe_bad_prompts_file_is_one_line_error(tmp_path, photo_path, text, expected):
    prompts = tmp_path / "prompts.yaml"
    prompts.write_text(text)
    result = describe(photo_path, "--model", "m", "--prompts", prompts)
    assert result.exit_code == 1 and expected in result.output, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
