"""What a launch shows on stderr: one bar over all shards, and a line per shard event."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from tqdm.auto import tqdm


class LaunchProgress:
    def __init__(self, total: int, enabled: bool = True, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.bar = tqdm(
            total=total, unit="shard", desc="shards", file=self.stream, disable=not enabled
        )
        self.running = self.retries = self.incomplete = 0
        self.images = 0

    def line(self, text: str) -> None:
        tqdm.write(text, file=self.stream)  # above the bar, which is redrawn below it

    def started(self) -> None:
        self.running += 1
        self._postfix()

    def retrying(self, name: str, attempt: int, attempts: int, reason: str) -> None:
        self.running -= 1
        self.retries += 1
        self.line(
            f"{name}: attempt {attempt} failed: {reason}; retrying ({attempt + 1} of {attempts})"
        )
        self._postfix()

    def finished(
        self, name: str, complete: bool, attempt: int, stats: dict[str, Any], reason: str
    ) -> None:
        self.running -= 1
        self.images += int(stats.get("images", 0))
        if complete:
            self.line(f"{name}: {shard_summary(stats)} (attempt {attempt})")
        else:
            self.incomplete += 1
            self.line(f"{name}: INCOMPLETE after {attempt} attempt(s): {reason}")
        self.bar.update(1)
        self._postfix()

    def _postfix(self) -> None:
        self.bar.set_postfix(
            running=self.running,
            retries=self.retries,
            incomplete=self.incomplete,
            images=self.images,
        )

    def close(self) -> None:
        self.bar.close()


def shard_summary(stats: dict[str, Any]) -> str:
    if stats.get("skipped"):
        return "already complete (skipped)"
    return (
        f"{stats.get('images', 0)} images, {stats.get('regions', 0)} regions, {stats.get('qa', 0)} QA pairs, "
        f"{stats.get('errors', 0)} error rows, {stats.get('model_calls', 0)} model calls "
        f"({stats.get('cache_hits', 0)} replayed from cache) in {float(stats.get('task_seconds', 0)):.1f}s "
        f"({float(stats.get('seconds', 0)):.1f}s annotating, the rest loading)"
    )
