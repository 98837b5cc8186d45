"""The proposal worker pool: same trees as in-process, in order, errors in place, clean exits."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.pipeline.prepare import prepare_row
from ouro_toolkit.pipeline.proposal_pool import (
    WARM_UP_SIZE,
    ProposalPool,
    available_cores,
    warm_up,
)
from ouro_toolkit.proposers.base import ProposerUnavailable
from tests.helpers.images import photo

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = TreeRecipe(("grouping", "ocr"))


def _row(i: int, name: str | None) -> dict:
    if name is None:
        return {"id": f"r{i}", "image": {"bytes": b"not an image", "path": None}}
    buffer = io.BytesIO()
    photo(name, (320, 240)).save(buffer, format="PNG")
    return {"id": f"r{i}", "image": {"bytes": buffer.getvalue(), "path": None}}


def test_pool_gives_the_in_process_trees_in_stream_order_with_errors_in_place():
    names = ["coffee", "astronaut", None, "rocket", "chelsea", "coffee"]
    rows = [_row(i, n) for i, n in enumerate(names)]
    proposers = SETTINGS.build_proposers()
    expected = [prepare_row(r, proposers, SETTINGS) for r in rows]
    with ProposalPool(SETTINGS, workers=2, max_pending=3) as pool:
        got = list(pool.imap(iter(rows)))
    assert [p.source_row["id"] for p in got] == [r["id"] for r in rows]
    for mine, theirs in zip(got, expected, strict=True):
        assert (mine.tree is None) == (theirs.tree is None)
        if theirs.tree is not None:
            assert mine.tree.to_rows() == theirs.tree.to_rows()
            assert mine.image.size == theirs.image.size and mine.proposal_cpu_s > 0
    assert got[2].tree is None and "r2" in got[2].error and "unreadable" in got[2].error


def test_a_source_error_reaches_the_consumer_after_the_rows_before_it():
    def stream():
        yield _row(0, "coffee")
        raise ValueError("source broke at row 1")

    with ProposalPool(SETTINGS, workers=1) as pool:
        seen = []
        with pytest.raises(ValueError, match="source broke"):
            for prepared in pool.imap(stream()):
                seen.append(prepared.source_row["id"])
    assert seen == ["r0"]


def test_a_worker_that_cannot_build_its_proposers_fails_the_pool_with_the_reason(tmp_path):
    settings = TreeRecipe(("rpn",), str(tmp_path / "missing.pth"))
    pool = ProposalPool(settings, workers=1)
    with pytest.raises(ProposerUnavailable, match="does not exist"):
        pool.wait_ready()
    assert all(not psutil.pid_exists(pid) or _gone(pid) for pid in pool.worker_pids())


def test_default_worker_count_is_the_cores_this_process_may_use():
    assert available_cores() == len(os.sched_getaffinity(0))


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pids: list[int], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(_gone(pid) for pid in pids):
            return True
        time.sleep(0.2)
    return False


def _default_sigint() -> None:
    # A job a terminal runs in the foreground gets Ctrl-C with the default handler; a test run
    # as a background job of a script inherits SIGINT ignored, and Python then installs no
    # KeyboardInterrupt handler at all: give the child what a terminal would.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_script(rows: int) -> tuple[subprocess.Popen, list[int]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.pipeline.pool_script", str(rows)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a job in a terminal
        preexec_fn=_default_sigint,
    )
    line = process.stdout.readline()
    assert line.startswith("workers"), process.stderr.read()
    pids = [int(p) for p in line.split()[1:]]
    assert len(pids) == 2 and all(not _gone(p) for p in pids)
    return process, pids


def test_workers_exit_when_their_parent_is_sigkilled():
    process, pids = _start_script(rows=50)
    process.kill()  # SIGKILL: the parent runs no cleanup at all
    process.wait()
    assert _wait_gone(pids), "orphaned proposal workers are still running"


def test_ctrl_c_stops_the_parent_and_its_workers_without_worker_tracebacks():
    process, pids = _start_script(rows=50)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends the whole foreground group
    out, err = process.communicate(timeout=120)  # a guard against a hang only
    assert process.returncode == 130 and "interrupted" in out, (process.returncode, out, err)
    assert "Traceback" not in err, err
    # It ended the workers it had: none was started in place of one that close() ended (which
    # took 16 s: the new worker's start-up, waited for, then its join timeout).
    [last] = [line for line in out.splitlines() if line.startswith("interrupted")]
    assert sorted(map(int, last.split()[1:])) == sorted(pids), out
    assert _wait_gone(pids)


def test_a_worker_ended_by_close_is_not_replaced():
    """The feeder sees the workers close() terminates die; that is no crash to recover from."""
    pool = ProposalPool(SETTINGS, workers=1)
    pool.wait_ready()
    worker = pool._workers[0]
    worker.task = (0, _row(0, "coffee"))
    pool._stop.set()
    worker.process.terminate()
    worker.process.join()
    done: dict = {}
    pool._replace(worker, done)
    assert pool._workers == [worker] and done == {}  # no fresh worker, no row marked failed
    pool.close()


def test_close_after_ctrl_c_inside_the_feeder_start_does_not_fail():
    # Ctrl-C can land in Thread.start(), after the feeder is set but before it runs; close()
    # must then stop the workers instead of raising "cannot join thread before it is started".
    import threading

    pool = ProposalPool(SETTINGS, workers=1)
    pool.wait_ready()
    pids = pool.worker_pids()
    pool._thread = threading.Thread(target=lambda: None)
    pool.close()
    assert _wait_gone(pids)


class _Recording:
    name = "recording"

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def propose(self, image):
        self.sizes.append(image.size)
        return []


class _Broken:
    name = "broken"

    def propose(self, image):
        raise RuntimeError("cannot propose")


def test_warm_up_runs_every_proposer_once_and_survives_one_that_fails():
    """Workers warm up before they say ready, so lazy imports are not paid on a real row."""
    recording = _Recording()
    warm_up([_Broken(), recording], TreeRecipe())  # must not raise
    warm_up([recording], TreeRecipe())
    assert recording.sizes == [(WARM_UP_SIZE, WARM_UP_SIZE)]


def test_the_pool_and_the_build_module_import_neither_datasets_nor_torch():
    """`ouro build` forks its workers before it imports `datasets`, so they warm up while the
    parent imports it; a module-level import of either here would put seconds back on start-up."""
    code = (
        "import sys\n"
        "import ouro_toolkit.pipeline.build, ouro_toolkit.pipeline.proposal_pool\n"
        "print(sorted(m for m in ('datasets', 'torch', 'pandas') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_ouro_build_starts_its_workers_before_it_imports_datasets(tmp_path):
    """What the test above protects, seen in a real build: when the pool starts, the parent has
    not imported `datasets` yet, and the build still completes."""
    code = f"""
import sys
import ouro_toolkit.pipeline.build as build
from ouro_toolkit.pipeline.config import BuildConfig

seen = []
class Spy(build.ProposalPool):
    def __init__(self, *args, **kwargs):
        seen.append("datasets" in sys.modules)
        super().__init__(*args, **kwargs)

build.ProposalPool = Spy
config = BuildConfig(source="scenes", split="validation", limit=1,
                     backend={{"model": "ground-truth-oracle", "kind": "oracle"}}, tree={{"proposers": ["grouping"]}},
                     out={str(tmp_path / "out")!r}, proposal_workers=1, progress=False)
stats = build.build_shard(config)
print(seen, stats.images, stats.errors)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[False] 1 0"
