"""Retrying a Hub operation on the errors that concurrent pushes and busy servers produce.

409/412: the repo is busy with another commit (the Hub's commit lock) or moved under a
`parent_commit`: retry.
429: rate limited — wait (honouring `Retry-After`) and retry. 5xx: transient server errors.
Anything else (401, 403, 404, 400, ...) is a real problem and is raised at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import httpx2  # huggingface_hub's HTTP client (declared in pyproject.toml)
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

from ouro_toolkit.errors import OuroError, one_line
from ouro_toolkit.retry import RetryPolicy

logger = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_STATUS = frozenset({409, 412, 429, 500, 502, 503, 504})
# Another worker is committing: progress, not a fault, so these have a budget of their own.
CONFLICT_STATUS = frozenset({409, 412})


class HubRetryExhausted(OuroError, RuntimeError):
    def __init__(self, what: str, attempts: int, last: Exception):
        super().__init__(f"{what} failed after {attempts} attempt(s): {short_error(last)}")
        self.last = last
        self.attempts = attempts


def status_of(err: BaseException) -> int | None:
    if isinstance(err, HfHubHTTPError) and err.response is not None:
        return err.response.status_code
    return None


def short_error(err: BaseException) -> str:
    status = status_of(err)
    first_line = one_line(err, first_only=True)
    return f"HTTP {status}: {first_line}" if status else f"{type(err).__name__}: {first_line}"


def _retry_after(err: BaseException) -> float | None:
    if isinstance(err, HfHubHTTPError) and err.response is not None:
        value = err.response.headers.get("Retry-After")
        if value and value.replace(".", "", 1).isdigit():
            return float(value)
    return None


def is_retryable(err: BaseException) -> bool:
    if isinstance(err, OfflineModeIsEnabled):  # a setting, not a network blip
        return False
    if isinstance(err, (httpx2.TransportError, ConnectionError, TimeoutError)):
        return True
    return status_of(err) in RETRY_STATUS


def with_retries(fn: Callable[[int], T], what: str, policy: RetryPolicy) -> T:
    """Call `fn(attempt)` until it succeeds, retrying retryable Hub errors per `policy`."""
    failures = {"conflict": 0, "error": 0}
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn(attempt)
        except Exception as err:  # noqa: BLE001 - classified just below
            if not is_retryable(err):
                raise
            kind = "conflict" if status_of(err) in CONFLICT_STATUS else "error"
            failures[kind] += 1
            budget = policy.conflict_attempts if kind == "conflict" else policy.attempts
            if failures[kind] >= budget:
                raise HubRetryExhausted(what, attempt, err) from err
            wait = policy.delay(failures[kind], _retry_after(err))
            logger.info(
                "%s: %s; %s retry %d/%d in %.1fs",
                what,
                short_error(err),
                kind,
                failures[kind],
                budget - 1,
                wait,
            )
            time.sleep(wait)
