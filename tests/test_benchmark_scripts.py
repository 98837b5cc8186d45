"""Every benchmark script starts from the repo root, both as `python benchmarks/NAME.py` and as
`python -m benchmarks.NAME`.

The script form runs as on a fresh clone with `pip install -e .`: the repo root is not on the
import path and only the packages pyproject installs can be imported (a development environment
that puts the repo root on the path would hide a script that cannot find `tests`).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py") if p.name != "__init__.py")

# argv: INSTALLED_DIR SCRIPT ARGS... -- runs SCRIPT as `python SCRIPT ARGS...` would, with the repo
# root taken off the path and INSTALLED_DIR (the installed packages) put on it.
AS_ON_A_FRESH_CLONE = """\
import os, runpy, sys
installed, script = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.abspath(script)))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.getcwd()) != root]
sys.path[:0] = [os.path.dirname(os.path.abspath(script)), installed]
sys.argv = sys.argv[2:]
runpy.run_path(script, run_name="__main__")
"""


@pytest.fixture(scope="module")
def installed_packages(tmp_path_factory) -> Path:
    """A folder holding only what `pip install -e .` makes importable (links to this repo)."""
    folder = tmp_path_factory.mktemp("installed")
    # [tool.setuptools.packages.find] include = ["ouro_toolkit*", ...] (tomllib needs 3.11)
    include = re.search(r"^include = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.M)
    names = re.findall(r'"(\w+)\*"', include.group(1))
    assert "ouro_toolkit" in names
    for name in names:
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    return folder


def run_script(installed: Path, name: str, *args: str) -> subprocess.CompletedProcess:
    script = ROOT / "benchmarks" / f"{name}.py"
    return subprocess.run(
        [sys.executable, "-c", AS_ON_A_FRESH_CLONE, str(installed), str(script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # a guard against a hang only
    )


def test_there_are_benchmarks():
    assert {"regions", "source_streaming", "training"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_benchmark_script_help(name, installed_packages):
    done = run_script(installed_packages, name, "--help")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("usage:")


@pytest.mark.parametrize("name", SCRIPTS)
def test_benchmark_module_help(name):
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("usage:")


def test_source_streaming_runs_its_smallest_setting(installed_packages):
    done = run_script(installed_packages, "source_streaming", "4", "64")
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(
        r"^iter_source, verify_images=True \(default\) +\d+ rows out", done.stdout, re.M
    )
    assert re.search(r"^ratio verify on / off: +\d", done.stdout, re.M)


def test_quality_runs_its_knob_sweep_at_its_smallest_setting(installed_packages):
    done = run_script(
        installed_packages, "quality", "--scenes", "1", "--preset", "simple", "--json",
        "--knob", "max_regions", "--knob", "max_description_words",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    knobs = json.loads(done.stdout)["knobs"]
    assert {"max_regions=4", "max_regions=32 *", "max_description_words=40"} <= set(knobs)
    # A smaller region budget never gives more regions.
    assert knobs["max_regions=4"]["regions_per_image"] <= 3


def test_backends_runs_its_smallest_setting(installed_packages):
    done = run_script(
        installed_packages, "backends", "--requests", "4", "--concurrency", "2", "--rounds", "1"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"^backend / raw socket +\d+\.\d+x", done.stdout, re.M)
    assert re.search(r"^cache replay +: .*\(0 model calls\)", done.stdout, re.M)
