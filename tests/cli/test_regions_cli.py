import json

import pytest
from click.testing import CliRunner

from ouro_toolkit.cli.main import cli
from tests.helpers.images import photo


@pytest.fixture(scope="module")
def photo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("img") / "coffee.jpg"
    photo("coffee").save(path)
    return path


def test_regions_prints_indented_tree(photo_path):
    result = CliRunner().invoke(cli, ["regions", str(photo_path), "--proposers", "grouping"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("[0] root (0,0,600,400)")
    assert any(line.startswith("  [1] grouping") for line in lines)
    assert result.output == _library_tree(photo_path).render() + "\n"  # default settings


def test_regions_json_is_flat_schema_root_first(photo_path):
    result = CliRunner().invoke(
        cli, ["regions", str(photo_path), "--proposers", "grouping", "--json", "--max-depth", "1"]
    )
    assert result.exit_code == 0, result.output
    nodes = json.loads(result.output)
    assert nodes[0]["parent_id"] == -1 and nodes[0]["proposer"] == "root"
    assert set(nodes[0]) == {
        "node_id",
        "parent_id",
        "depth",
        "bbox",
        "score",
        "proposer",
        "label",
        "description",
        "ocr_text",
    }
    assert {n["depth"] for n in nodes} == {0, 1} and all(n["parent_id"] == 0 for n in nodes[1:])
    # The command is a shell over the library: exactly the tree it builds with these settings.
    assert nodes == _library_tree(photo_path, max_depth=1).to_rows()


def _library_tree(path, **settings):
    from ouro_toolkit.decomposition.decompose import DecomposeConfig, build_region_tree
    from ouro_toolkit.images import load_image
    from ouro_toolkit.proposers import build_proposers

    image = load_image(path)
    return build_region_tree(image, build_proposers(["grouping"]), DecomposeConfig(**settings))


@pytest.mark.parametrize("content", [None, b"GIF89a-broken", b"plain text"])
def test_bad_input_is_one_line_error_with_nonzero_exit(tmp_path, content):
    path = tmp_path / "bad.jpg"
    if content is not None:
        path.write_bytes(content)
    result = CliRunner().invoke(cli, ["regions", str(path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and str(path) in result.output
    assert (
        result.output.strip().startswith("Error:") and len(result.output.strip().splitlines()) == 1
    )


def test_unknown_proposer_is_a_usage_error(photo_path):
    result = CliRunner().invoke(cli, ["regions", str(photo_path), "--proposers", "sam"])
    assert result.exit_code == 2 and "known proposers: objects" in result.output


def test_rpn_without_weights_is_one_line_error(photo_path, tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "regions",
            str(photo_path),
            "--proposers",
            "rpn",
            "--rpn-weights",
            str(tmp_path / "none.pth"),
        ],
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().startswith("Error:") and "does not exist" in result.output
