"""Kill soak: how many model answers a build pays for twice when it is SIGKILLed again and again.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/soak_kill.py [--kills 10] [--images 32]

A clean build is run once against a stand-in OpenAI-compatible server. Then the same build runs
against a faulty one (503 for --error-rate of requests, a dropped connection for --drop-rate,
each answer after a random latency), is SIGKILLed --kills times at random moments, and is run to
completion. Printed: the answers the clean build needed, the answers the faulty runs were given
(a 503 or a dropped connection is no answer), the requests in flight at the kills (received by
the server, not yet answered), and whether the rows equal the clean build's. A build that keeps
each answer when it arrives pays twice at most for the requests in flight at each kill.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow.parquet as pq

from benchmarks.pipeline import write_images
from ouro_toolkit.serving.stand_in import (
    StandInHandler,
    StandInHTTPServer,
    chat_completion,
    instant_reply,
)

ROOT = Path(__file__).resolve().parents[1]


class _Server(StandInHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a connection reset by a killed client is what this soak does on purpose


class FaultyServer:
    """Answers each request deterministically (from a hash of its messages) after a random
    latency, except a share it answers 503 and a share whose connection it drops unanswered."""

    def __init__(
        self, error_rate: float, drop_rate: float, latency: tuple[float, float], seed: int
    ):
        self.answered: Counter[str] = Counter()  # messages key -> answers given
        self.received = self.in_flight = self.given = 0
        self.lock = threading.Lock()
        faults = random.Random(seed)
        outer = self

        class Handler(StandInHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                payload = self.read_payload()
                if payload is None:
                    return
                key = hashlib.sha256(json.dumps(payload["messages"]).encode()).hexdigest()
                with outer.lock:
                    outer.received += 1
                    outer.in_flight += 1
                    roll, delay = faults.random(), faults.uniform(*latency)
                try:
                    if roll < drop_rate:
                        self.close_connection = True  # no reply at all: the client sees a drop
                        return
                    time.sleep(delay)
                    if roll < drop_rate + error_rate:
                        self.send_json(503, {"error": {"message": "overloaded (stand-in fault)"}})
                        return
                    text = instant_reply(payload, int(key[:8], 16))
                    self.send_json(200, chat_completion(text, payload))
                    with outer.lock:
                        outer.answered[key] += 1
                        outer.given += 1
                finally:
                    with outer.lock:
                        outer.in_flight -= 1

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def build_command(images: Path, out: Path, url: str) -> list[str]:
    return [
        sys.executable, "-m", "ouro_toolkit.cli.main", "build", "--source", "local",
        "--data-dir", str(images), "--model", "stand-in", "--backend", "openai",
        "--server-url", url, "--out", str(out), "--proposers", "grouping", "--max-depth", "1",
        "--max-children", "4", "--batch-size", "8", "--concurrency", "16",
        "--proposal-workers", "1", "--no-progress",
        "--backend-option", "backoff=0.05", "--backend-option", "max_retries=6",
    ]  # fmt: skip


def run_to_end(images: Path, out: Path, url: str, tries: int = 5) -> None:
    for _ in range(tries):  # a shard with calls that failed every retry exits 1: run it again
        done = subprocess.run(build_command(images, out, url), cwd=ROOT, capture_output=True)
        if done.returncode == 0:
            return
    raise SystemExit(f"the build did not complete: {done.stderr.decode()[-2000:]}")


def rows(out: Path) -> list[dict]:
    files = sorted((out / "data").glob("*.parquet"))
    return sorted((r for f in files for r in pq.read_table(f).to_pylist()), key=lambda r: r["id"])


def cached_answers(out: Path) -> int:
    path = out / "cache"
    files = list(path.glob("*.sqlite")) if path.is_dir() else []
    total = 0
    for file in files:
        with sqlite3.connect(file, timeout=30) as conn:
            total += conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0]
    return total


def drain(server: FaultyServer) -> None:
    """Wait until the server has finished what the killed build had sent (it answers a dead socket)."""
    quiet_since, seen = time.monotonic(), server.received
    while time.monotonic() - quiet_since < 1.0:
        time.sleep(0.05)
        if server.in_flight or server.received != seen:
            quiet_since, seen = time.monotonic(), server.received


def kill_at_random(images: Path, out: Path, server: FaultyServer, rng: random.Random) -> dict:
    """Start the build and SIGKILL it at a random moment once it is asking.

    Returns what the kill cost: answers given before it that the cache did not keep ("lost"), and
    answers given after it to the dead build (requests that were in flight).
    """
    stored_before, received_before, given_before = (
        cached_answers(out),
        server.received,
        server.given,
    )
    process = subprocess.Popen(
        build_command(images, out, server.url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while server.received == received_before and process.poll() is None:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 1.5))
    with server.lock:
        process.send_signal(signal.SIGKILL)
        given_at_kill = server.given
    process.wait()
    drain(server)
    stored = cached_answers(out) - stored_before
    return {
        "killed": process.returncode == -signal.SIGKILL,
        "lost": given_at_kill - given_before - stored,
        "in_flight": server.given - given_at_kill,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--error-rate", type=float, default=0.15)
    parser.add_argument("--drop-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        images = write_images(Path(tmp) / "images", args.images, size=(256, 192))
        clean = FaultyServer(0.0, 0.0, (0.0, 0.0), args.seed)
        run_to_end(images, Path(tmp) / "clean", clean.url)
        clean.close()
        faulty = FaultyServer(args.error_rate, args.drop_rate, (0.02, 0.2), args.seed)
        out = Path(tmp) / "soak"
        kills = [kill_at_random(images, out, faulty, rng) for _ in range(args.kills)]
        run_to_end(images, out, faulty.url)
        faulty.close()
        same = rows(out) == rows(Path(tmp) / "clean")
    in_flight, lost = [k["in_flight"] for k in kills], [k["lost"] for k in kills]
    needed, given = clean.given, faulty.given
    print(f"clean build: {needed} answers ({len(clean.answered)} distinct requests)")
    print(
        f"soak, {args.kills} SIGKILLs ({args.error_rate:.0%} 503, {args.drop_rate:.0%} dropped): "
        f"{given} answers asked, {given - needed} paid twice"
    )
    print(
        f"requests in flight at the kills (answered to the dead build): {sum(in_flight)} "
        f"({', '.join(map(str, in_flight))})"
    )
    print(f"answers received before a kill and not kept: {sum(lost)} ({', '.join(map(str, lost))})")
    print(f"kills that landed mid-build: {sum(k['killed'] for k in kills)} of {args.kills}")
    print(f"rows equal to the clean build's: {same}")
    print(
        f"paid twice beyond the requests in flight: {given - needed - sum(in_flight)} "
        "(answers sent in the last moment before a kill, not yet read and committed)"
    )


if __name__ == "__main__":
    main()
