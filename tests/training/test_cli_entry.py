"""The shared training entry: `recipes/train.py` and `ouro train` turn a user's mistake into one
line and exit code 1, never a traceback (under `accelerate launch` a traceback per rank buries it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ouro_toolkit.training.cli_entry import main

ROOT = Path(__file__).parents[2]
SMOKE = ROOT / "recipes" / "tiny_cpu_smoke.yaml"
ENV = {
    **os.environ,
    "OMP_WAIT_POLICY": "PASSIVE",
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
}


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Error: ")]


def _run_recipe(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "recipes/train.py", "--config", "recipes/tiny_cpu_smoke.yaml", *args]
    return subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=180)


def test_recipe_script_with_a_missing_model_is_one_line(ouro_build_dir: Path, tmp_path: Path):
    # As the smoke recipe is run by hand (its dataset folder not built yet): the first problem found.
    proc = _run_recipe("--model_name_or_path", "/nonexistent")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert len(_error_lines(proc.stderr)) == 1, proc.stderr
    # With the data there, the model is what fails, and the line names it and the fix.
    proc = _run_recipe(
        *["--model_name_or_path", "/nonexistent", "--dataset_name", str(ouro_build_dir)],
        *["--output_dir", str(tmp_path / "out")],
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    (line,) = _error_lines(proc.stderr)
    assert "'/nonexistent'" in line and "--model_name_or_path DIR" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        (SMOKE.read_text() + "not_a_field: 1\n", "not_a_field"),  # the parser's ValueError
        ("lora_r: [unclosed\n", "Error: "),  # malformed YAML
    ],
    ids=["unknown-key", "bad-yaml"],
)
def test_bad_recipe_is_one_line(
    recipe: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(recipe)
    assert main(["--config", str(path)]) == 1
    err = capsys.readouterr().err
    (line,) = _error_lines(err)
    assert message in line and "Traceback" not in err


def test_ouro_train_uses_the_same_entry(tmp_path: Path) -> None:
    from ouro_toolkit.cli.main import cli

    path = tmp_path / "bad.yaml"
    path.write_text(SMOKE.read_text() + "not_a_field: 1\n")
    result = CliRunner().invoke(cli, ["train", "--config", str(path)])
    assert result.exit_code == 1
    assert "not_a_field" in result.output and "Traceback" not in result.output
