"""Retry with exponential backoff: the one policy type, used by Hub pushes and the HTTP backend."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class RetryPolicy:
    attempts: int = 8  # tries on transient errors, the first included
    # Tries on "busy, not broken" failures (another worker is committing to the same Hub repo).
    conflict_attempts: int = 32
    base_delay: float = 0.5  # seconds before the first retry; doubled each retry, with jitter
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `attempt` (1-based); a server's Retry-After wins."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        backoff = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        # Full jitter: workers that collided once should not collide again in lockstep.
        return random.uniform(backoff / 2, backoff)
