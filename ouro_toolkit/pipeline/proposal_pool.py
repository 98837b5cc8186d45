"""`ProposalPool`: worker processes that decode source rows and build their region trees.

Proposals are CPU work that holds the GIL for much of its time, so one process per core is what
scales. Rows go out one at a time to whichever worker is free, and come back in stream order;
the pool never holds more than `max_pending` rows (sent, being proposed, or waiting for the
consumer), so a fast source cannot fill memory ahead of a slow model.

Shutdown: workers ignore Ctrl-C (the parent decides, then terminates them), and each worker
watches its parent and exits when the parent is gone, even after a SIGKILL that gave the parent
no chance to clean up. A worker that dies on an image (a crash in native code) leaves that row
with an error, and a fresh worker takes its place.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle
import queue
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

import numpy as np
from PIL import Image

from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.errors import BackendLoadError, ConfigError, one_line
from ouro_toolkit.pipeline.prepare import Prepared, prepare_row
from ouro_toolkit.proposers.base import RegionProposer

log = logging.getLogger(__name__)
PARENT_CHECK_S = 0.5  # how often a worker checks that its parent is alive
POLL_S = 0.2  # the longest any wait here blocks before it looks at whether the pool is closing
WARM_UP_SIZE = 96  # pixels a side of the image a worker proposes on before its first row
_END = object()


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), which is what a pool can use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class _Failed:
    """An exception raised while a worker started, carried to the parent."""

    def __init__(self, exc: BaseException):
        self.kind, self.message = type(exc).__name__, one_line(exc)
        self.error: BaseException | None = exc
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # not every exception survives a pickle round trip
            self.error = None

    def exception(self) -> BaseException:
        return self.error or BackendLoadError(
            f"a proposal worker could not start: {self.kind}: {self.message}"
        )


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_S)
        if os.getppid() != parent_pid:
            os._exit(1)  # orphaned: nobody will read our results


def warm_up(proposers: Sequence[RegionProposer], recipe: TreeRecipe) -> None:
    """Build one small tree, so that what proposers load on first use (scikit-image and scipy
    are imported lazily, runtimes set up on their first call: about a second) is paid at start-up,
    while the model loads, and not on the first image's clock."""
    try:
        recipe.tree(_warm_up_image(), proposers)
    except Exception as exc:  # a real image would fail the same way, and keep the error on its row
        log.debug("proposal warm-up failed: %s", one_line(exc))


def _warm_up_image() -> Image.Image:
    """Dark squares on a gradient: enough structure that every proposer finds something."""
    ramp = np.linspace(60, 200, WARM_UP_SIZE, dtype=np.uint8)
    pixels = np.stack([np.tile(ramp, (WARM_UP_SIZE, 1))] * 3, axis=-1)
    half = WARM_UP_SIZE // 2
    pixels[8:half, 8:half] = 20
    pixels[half + 8 : -8, half + 8 : -8] = (30, 90, 160)
    return Image.fromarray(pixels)


def _worker_main(conn: Connection, recipe: TreeRecipe, parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    try:
        # One thread per proposer: the pool already runs one worker per core.
        proposers = recipe.build_proposers(threads=1)
    except Exception as exc:
        conn.send(_Failed(exc))
        return
    warm_up(proposers, recipe)
    conn.send([p.name for p in proposers])
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        seq, row = task
        conn.send((seq, prepare_row(row, proposers, recipe)))


class _Worker:
    def __init__(self, ctx: Any, recipe: TreeRecipe):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main,
            args=(child, recipe, os.getpid()),
            name="ouro-propose",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.task: tuple[int, dict[str, Any]] | None = None  # what it is proposing now
        self.ready = False


class ProposalPool:
    """`imap(rows)` yields one `Prepared` per row, in order, proposed by `workers` processes."""

    def __init__(self, recipe: TreeRecipe, workers: int, max_pending: int | None = None):
        if workers < 1:
            raise ConfigError(f"--proposal-workers must be >= 1 here, got {workers}")
        self.recipe = recipe
        self.max_pending = max_pending or 4 * workers
        # fork starts a worker in milliseconds; it is only safe while this process has one thread.
        method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
        self._ctx = mp.get_context(method)
        self._workers = [_Worker(self._ctx, recipe) for _ in range(workers)]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._consumed = 0  # rows the consumer has taken (bounds how far the feeder runs ahead)
        self.proposer_names: list[str] = []

    def wait_ready(self) -> list[str]:
        """Block until every worker has built its proposers; raise what a failing one raised."""
        for worker in self._workers:
            self._await_ready(worker)
        return self.proposer_names

    def _await_ready(self, worker: _Worker) -> None:
        if worker.ready:
            return
        # Polled, not one blocking recv: a worker starts in seconds (more under load), and a
        # pool being closed (Ctrl-C) must not wait for a worker it is about to end.
        while not worker.conn.poll(POLL_S):
            if self._stop.is_set():
                return
        try:
            reply = worker.conn.recv()
        except (EOFError, OSError):
            self.close()
            raise BackendLoadError(
                f"a proposal worker exited while starting (exit code {worker.process.exitcode})"
            ) from None
        if isinstance(reply, _Failed):
            self.close()
            raise reply.exception()
        worker.ready, self.proposer_names = True, reply

    def imap(self, rows: Iterable[dict[str, Any]]) -> Iterator[Prepared]:
        self.wait_ready()
        out: queue.Queue = queue.Queue()
        self._thread = threading.Thread(
            target=self._schedule, args=(iter(rows), out), name="ouro-propose-feed", daemon=True
        )
        self._thread.start()
        while True:
            try:
                item = out.get(timeout=POLL_S)
            except queue.Empty:
                if self._stop.is_set():
                    return
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            self._consumed += 1
            yield item

    def _schedule(self, rows: Iterator[dict[str, Any]], out: queue.Queue) -> None:
        """Feed free workers, collect replies, release them to `out` in stream order."""
        done: dict[int, Prepared | BaseException] = {}
        next_seq = next_out = 0
        exhausted = False
        try:
            while not self._stop.is_set():
                for worker in self._workers:
                    if exhausted or worker.task is not None:
                        continue
                    if next_seq - self._consumed >= self.max_pending:
                        break
                    try:
                        row = next(rows)
                    except StopIteration:
                        exhausted = True
                        break
                    except Exception as exc:  # a source error ends the stream, in its place
                        done[next_seq] = exc
                        next_seq += 1
                        exhausted = True
                        break
                    self._send(worker, (next_seq, row))
                    next_seq += 1
                while next_out in done:
                    out.put(done.pop(next_out))
                    next_out += 1
                if exhausted and next_out == next_seq:
                    out.put(_END)
                    return
                self._collect(done, timeout=POLL_S)
        except BaseException as exc:  # never leave the consumer waiting on a dead feeder
            out.put(exc)

    def _send(self, worker: _Worker, task: tuple[int, dict[str, Any]]) -> None:
        try:
            worker.conn.send(task)
            worker.task = task
        except OSError:  # it died while idle: nothing was lost, a fresh one takes the row
            if self._stop.is_set():
                return
            fresh = self._respawn(worker)
            fresh.conn.send(task)
            fresh.task = task

    def _collect(self, done: dict[int, Prepared | BaseException], timeout: float) -> None:
        busy = [w for w in self._workers if w.task is not None]
        if not busy:
            time.sleep(0.01)  # the consumer is behind: nothing to wait for but it
            return
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
        for worker in busy:
            if worker.conn in ready:
                try:
                    seq, prepared = worker.conn.recv()
                except (EOFError, OSError):
                    self._replace(worker, done)
                    continue
                done[seq] = prepared
                worker.task = None
            elif worker.process.sentinel in ready:
                self._replace(worker, done)

    def _replace(self, worker: _Worker, done: dict[int, Prepared | BaseException]) -> None:
        """A worker died mid-image: that row keeps the error, a fresh worker takes over."""
        if self._stop.is_set():  # ended by close(): no crash, and nothing to replace it for
            worker.task = None
            return
        seq, row = worker.task  # type: ignore[misc]
        worker.process.join(timeout=1)
        code = worker.process.exitcode
        log.warning("a proposal worker died (exit code %s) on row %s", code, row.get("id"))
        done[seq] = Prepared(
            dict(row),
            error=f"regions of {row.get('id')}: the proposal worker died (exit code {code}) "
            "on this image",
        )
        self._respawn(worker)

    def _respawn(self, worker: _Worker) -> _Worker:
        worker.conn.close()
        # By now this process runs threads (feeder, model client): only spawn is safe.
        fresh = _Worker(mp.get_context("spawn"), self.recipe)
        # In the list before it is ready, so that a close() meanwhile ends it too.
        self._workers[self._workers.index(worker)] = fresh
        self._await_ready(fresh)
        return fresh

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def close(self) -> None:
        """Stop feeding and end every worker now (an image half-proposed is not needed)."""
        self._stop.set()
        self._terminate_workers()
        # Ctrl-C can land inside Thread.start(): a feeder that never started has nothing to join.
        # A running one sees the stop within POLL_S (none of its waits blocks longer).
        feeder = self._thread
        if feeder is not None and feeder.is_alive() and feeder is not threading.current_thread():
            feeder.join(timeout=5)
        self._terminate_workers()  # one the feeder had just started in place of a dead one
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()

    def _terminate_workers(self) -> None:
        for worker in list(self._workers):
            if worker.process.is_alive():
                worker.process.terminate()

    def __enter__(self) -> ProposalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["ProposalPool", "available_cores"]
