"""Every benchmark script starts from the repo root, both as `python benchmarks/NAME.py` and as
`python -m benchmarks.NAME`, and runs to completion at its smallest setting (a figure it prints
at the end is checked, never its value as a speed).

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


# The other scripts at their smallest setting, each with a printed figure that only a run to the
# end prints: (arguments, patterns that must match a line of stdout).
SMALLEST_RUNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "embedded": (
        ("--requests", "2", "--batch-sizes", "2", "--threads", "1", "--rounds", "1",
         "--max-new-tokens", "8", "--build-scenes", "1"),
        (r"^fastest: batch 2, 1 thread\(s\): \d+\.\d+ req/s",
         r"^build stage \(1 scenes\): .* rows identical: True$"),
    ),
    "m0_sight": (
        ("--crop-scenes", "1", "--build-scenes", "1"),
        (r"^ouro build of 1 held-out scenes: region labels right \d+%",),
    ),
    "eval": (
        ("--samples", "2", "--batch-size", "2"),
        (r"^ratio in-process / HTTP: \d+\.\d+x", r"^cider +\d+\.\d{3}$"),
    ),
    "launch": (
        ("--shards", "1", "--images-per-shard", "1", "--rounds", "1", "--ray", "one"),
        (r"^Ray, --max-in-flight 1: +\d+\.\d+s = \d+\.\d+x the loop",),
    ),
    "pipeline": (
        ("--images", "2", "--memory", "1,2"),
        (r"^model calls \d+ for \d+ regions \+ 2 images", r"^peak RSS 2 vs 1 images: \d\.\d{3}x"),
    ),
    "proposal_paths": (
        ("--photos", "1", "--size", "160x120"),
        (r"^fast vs per-crop CPU per image: \d+\.\dx less",),
    ),
    "regions": (
        ("--repeats", "1", "--photos", "1", "--sizes", "160x120"),
        (r"^== 160x120, 1 photos x 1 repeats ==", r"^tree build \(objects\+ocr\): \d+\.\d{3} s / image"),
    ),
    "report": (
        ("--rows", "2", "--image-side", "32", "--repeats", "1"),
        (r"^rows matching / cards drawn: +2 / 2$", r"^open to first page drawn: +median \d"),
    ),
    "soak_kill": (
        ("--kills", "1", "--images", "2"),
        (r"^clean build: \d+ answers", r"^rows equal to the clean build's: True$"),
    ),
    "throughput": (
        ("--images", "1", "--scaling-images", "1", "--repeats", "1"),
        (r"^1 -> 2 proposal workers \(best of 1\): \d+\.\d+x faster",
         r"^prefix shared by consecutive region requests .*: \d+ of \d+ prompt tokens"),
    ),
    "training": (
        ("--rows", "2", "--steps", "2", "--repeats", "1", "--batch", "1", "--k", "1"),
        (r"^TRL, list-mask collator / bare PEFT: \d+\.\d+x", r"outputs identical .*: True$",
         r"^ratio ours / pre-built: \d+\.\d+x", r"^  7 +\d+\.\d\d +\d+ +\d+$"),
    ),
}  # fmt: skip
RUN_ABOVE = {"quality", "backends", "source_streaming"}


def test_every_benchmark_runs_to_completion_in_the_suite():
    assert set(SMALLEST_RUNS) | RUN_ABOVE == set(SCRIPTS)
    assert not set(SMALLEST_RUNS) & RUN_ABOVE


@pytest.mark.parametrize("name", sorted(SMALLEST_RUNS))
def test_benchmark_runs_its_smallest_setting(name, installed_packages):
    args, patterns = SMALLEST_RUNS[name]
    done = run_script(installed_packages, name, *args)
    assert done.returncode == 0, done.stderr[-3000:]
    for pattern in patterns:
        assert re.search(pattern, done.stdout, re.M), (pattern, done.stdout[-3000:])
