"""A build SIGKILLed with many requests in flight asks again only those: every answer that had
arrived was stored when it arrived, not when its `generate` call (a whole level of a batch of
images) returned.

A real `transformers serve` cannot be told to answer some requests of a call and hold others, so
the build talks to a stand-in OpenAI-compatible server (a real HTTP server on 127.0.0.1) that
holds the QA requests of chosen images until the test ends. The kill comes once the server has
answered a known set of requests and is holding the rest: no timing is involved.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.layout import BuildLayout
from ouro_toolkit.pipeline.build import build_shard
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.serving.stand_in import QA_MARK, ShardServer, image_size, last_text, messages_key
from tests.helpers.images import photo

ROOT = Path(__file__).resolve().parents[2]
BATCH = 16  # the ramp 1, 2, 4, 8, 16 covers 31 images: the last batch is one call of 16 QA
NUM_IMAGES = 31
HELD = range(23, 31)  # the QA of the last batch's second half is held: 8 in flight at the kill
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")


def size_of(index: int) -> tuple[int, int]:
    return 64 + 4 * index, 48 + 3 * index  # each image its own size: how the server tells them


class HoldingServer(ShardServer):
    """Answers at once, but holds the QA request of every image whose size is in `hold` until
    `release` is set (the client is killed meanwhile)."""

    def __init__(self, hold: set[tuple[int, int]]):
        self.hold = hold
        self.answered: set[str] = set()
        self.holding: set[str] = set()
        self.release = threading.Event()
        self._lock = threading.Lock()
        super().__init__()

    def _reply(self, payload, n):
        key = messages_key(payload)
        if QA_MARK in last_text(payload) and image_size(payload) in self.hold:
            with self._lock:
                self.holding.add(key)
            self.release.wait(timeout=300)
            return 503, {"error": {"message": "stand-in server stopped"}}
        reply = super()._reply(payload, n)
        with self._lock:
            self.answered.add(key)
        return reply


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    images = tmp_path_factory.mktemp("kill-images")
    for i in range(NUM_IMAGES):
        photo(PHOTOS[i % len(PHOTOS)], size_of(i)).save(images / f"img{i:02d}.png")
    return images


def config(out: Path, images: Path, url: str) -> BuildConfig:
    return BuildConfig(
        source="local", data_dir=str(images), out=str(out),
        backend=BackendSpec("stand-in", "openai", url, batch_size=BATCH, concurrency=32),
        tree=TreeRecipe(("grouping",), decompose=DecomposeConfig(max_depth=0)), proposal_workers=0,
        progress=False,
    )  # fmt: skip


def rows(out: Path) -> list[dict]:
    return sorted(
        (r for f in sorted((out / "data").glob("*.parquet")) for r in pq.read_table(f).to_pylist()),
        key=lambda r: r["id"],
    )


def cached(out: Path) -> int:
    path = BuildLayout(out).cache_path(0)
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0]
    except sqlite3.OperationalError:  # the writer holds its lock this instant
        return -1


def wait_for(condition, seconds: float) -> bool:
    """Poll `condition`; `seconds` only bounds a failing test (a build that never gets there)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_kill_with_requests_in_flight_asks_again_only_those(tmp_path, folder):
    with ShardServer() as server:
        clean = build_shard(config(tmp_path / "clean", folder, server.url))
        clean_asked = set(server.asked)
    assert clean.complete and clean.model_calls == len(clean_asked) == 2 * NUM_IMAGES

    out = tmp_path / "killed"
    hold = {size_of(i) for i in HELD}
    with HoldingServer(hold) as server:
        command = [
            sys.executable, "-m", "ouro_toolkit.cli.main", "build", "--source", "local",
            "--data-dir", str(folder), "--model", "stand-in", "--backend", "openai",
            "--server-url", server.url, "--out", str(out), "--proposers", "grouping",
            "--max-depth", "0", "--batch-size", str(BATCH), "--concurrency", "32",
            "--proposal-workers", "0", "--no-progress",
        ]  # fmt: skip
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            # Every request but the held ones answered, the held ones all in flight, and
            # every answer in the cache: then the kill.
            arrived = wait_for(
                lambda: (
                    len(server.holding) == len(HELD)
                    and len(server.answered) == len(clean_asked) - len(HELD)
                ),
                240,
            )
            assert arrived, f"the build never reached the held requests: {process.poll()}"
            answered = set(server.answered)
            stored = wait_for(lambda: cached(out) == len(answered), 60)
            in_cache = cached(out)
            assert process.poll() is None, process.stderr.read()
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
            server.release.set()
        in_flight = set(server.holding)
    assert stored, (
        f"{len(answered)} answered before the kill, {in_cache} stored: answers of a call "
        "still in flight were not kept"
    )
    assert len(in_flight) == len(HELD)

    with ShardServer() as server:
        resumed = build_shard(config(out, folder, server.url))
        asked_again = set(server.asked)
    assert resumed.complete and resumed.cache_hits == len(answered)
    assert asked_again == in_flight  # only what was in flight; nothing answered paid twice
    assert not asked_again & answered
    assert len(answered) + len(asked_again) == len(clean_asked)
    assert rows(out) == rows(tmp_path / "clean")
