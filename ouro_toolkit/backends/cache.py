"""A persistent replay cache of model calls (SQLite), and a backend wrapper that uses it.

The key is a sha256 of everything that decides the answer: model, messages (images by a hash
of their pixels), sampling parameters, JSON schema and prompt version. A rerun or a resumed run
therefore never asks the model the same thing twice. Every reply the model gave is stored (a
reply that is not the JSON asked for too: asking again would give the same answer); transport
failures are not, so they are retried on the next run.

Each answer is committed as it arrives, not when its `generate` call ends: one call carries a
level of a whole batch of images, and a SIGKILL before its end used to lose every answer of it
(a soak re-asked 55-76 of 272). One writer, a thread of its own, commits whatever has arrived
since its last commit: commits batch themselves under load, the event loop never waits on disk,
and a commit never queues behind other work (image encoding uses the loop's default threads).
A kill loses the requests in flight and at most the answers of one commit.

By default the file is in WAL mode with a busy timeout, so several local processes may share it.
WAL needs shared memory between its users, which network file systems do not provide: a cache
that may live on NFS (a build's `OUT/cache/`) has one writer per file and uses
`journal_mode="DELETE"`, the rollback journal, which needs no shared memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from dataclasses import asdict, dataclass
from pathlib import Path

from ouro_toolkit.backends.base import VLMBackend, VLMRequest, VLMResult, results_as_completed
from ouro_toolkit.backends.messages import hashable_messages
from ouro_toolkit.backends.results import finish_result

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def request_key(model: str, request: VLMRequest) -> str:
    payload = {
        "model": model,
        "messages": hashable_messages(request.messages),
        "sampling": asdict(request.sampling),
        "json_schema": request.json_schema,
        "prompt_version": request.prompt_version,
    }
    blob = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RequestCache:
    """Key -> raw reply text, in one SQLite file."""

    def __init__(self, path: str | Path, timeout: float = 60.0, journal_mode: str = "WAL"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # one connection, used from the event loop and threads
        self._conn = sqlite3.connect(
            self.path, timeout=timeout, check_same_thread=False, isolation_level=None
        )
        if journal_mode.upper() not in ("WAL", "DELETE"):
            raise ValueError(f"journal_mode must be 'WAL' or 'DELETE', got {journal_mode!r}")
        self._conn.execute(f"PRAGMA journal_mode={journal_mode.upper()}")
        self._conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        # NORMAL: durable across a crash of this process (SIGKILL), in either journal mode.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(_SCHEMA)

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(unique), 500):  # SQLite caps bound parameters
                chunk = unique[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, text FROM replies WHERE key IN ({marks})", chunk
                )
                found.update(rows.fetchall())
        return found

    def put_many(self, model: str, items: dict[str, str]) -> None:
        if not items:
            return
        now = time.time()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO replies (key, model, text, created) VALUES (?, ?, ?, ?)",
                    [(k, model, text, now) for k, text in items.items()],
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


@dataclass
class CacheStats:
    requests: int = 0
    hits: int = 0
    model_calls: int = 0  # requests passed to the wrapped backend


class CachedBackend:
    """Wraps any backend: answers from the cache where it can, asks the backend for the rest."""

    def __init__(self, backend: VLMBackend, cache: RequestCache):
        self.backend = backend
        self.cache = cache
        self.name = backend.name
        self.model = backend.model
        self.stats = CacheStats()
        self._unsaved: dict[str, str] = {}  # answers arrived, not yet committed
        self._writer: asyncio.Task | None = None  # the one task committing them
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="ouro-cache-writer")

    async def generate(self, requests: Sequence[VLMRequest]) -> list[VLMResult]:
        keys = [request_key(self.model, r) for r in requests]
        stored = self.cache.get_many(keys)
        # Identical requests within one call are asked once.
        todo: dict[str, VLMRequest] = {}
        for key, request in zip(keys, requests, strict=True):
            if key not in stored and key not in todo:
                todo[key] = request
        fresh = await self._ask(todo) if todo else {}
        self.stats.requests += len(requests)
        self.stats.model_calls += len(todo)
        self.stats.hits += sum(k in stored for k in keys)
        return [
            finish_result(request, stored[key], cached=True) if key in stored else fresh[key]
            for key, request in zip(keys, requests, strict=True)
        ]

    async def _ask(self, todo: dict[str, VLMRequest]) -> dict[str, VLMResult]:
        order = list(todo)
        fresh: dict[str, VLMResult] = {}
        try:
            stream = results_as_completed(self.backend, list(todo.values()))
            async with aclosing(stream) as answers:
                async for j, result in answers:
                    fresh[order[j]] = result
                    if result.text is not None:  # every reply the model gave; no transport failure
                        self._store(order[j], result.text)
            await self._all_saved()
        finally:  # interrupted (Ctrl-C, an error): keep every answer that did arrive
            self._save_now()
        return fresh

    def _store(self, key: str, text: str) -> None:
        self._unsaved[key] = text
        if self._writer is not None and self._writer.done():
            self._writer.result()  # a failed commit (disk full) fails the build, not silently
            self._writer = None
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while self._unsaved:
            items, self._unsaved = self._unsaved, {}
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._writer_thread, self.cache.put_many, self.model, items)

    async def _all_saved(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            await writer

    def _save_now(self) -> None:
        items, self._unsaved = self._unsaved, {}
        self.cache.put_many(self.model, items)  # waits for a commit in progress (the lock)

    async def aclose(self) -> None:
        await self.backend.aclose()
        self._save_now()
        self._writer_thread.shutdown(wait=True)
        self.cache.close()
