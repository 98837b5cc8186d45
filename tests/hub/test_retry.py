"""The retry rules for Hub operations, on real huggingface_hub error objects (no server)."""

from __future__ import annotations

import pytest
from huggingface_hub.errors import HfHubHTTPError

from ouro_toolkit.hub.retry import HubRetryExhausted, RetryPolicy, with_retries
from tests.helpers.hub_errors import http_error

FAST = RetryPolicy(attempts=3, conflict_attempts=5, base_delay=0.0)


def failing(statuses: list[int]):
    calls: list[int] = []

    def fn(attempt: int) -> str:
        calls.append(attempt)
        if len(calls) <= len(statuses):
            raise http_error(statuses[len(calls) - 1])
        return "ok"

    return fn, calls


def test_conflicts_have_their_own_larger_budget() -> None:
    fn, calls = failing(
        [412, 409, 412, 409]
    )  # 4 conflicts: more than `attempts`, fewer than conflicts
    assert with_retries(fn, "commit", FAST) == "ok" and len(calls) == 5


def test_server_errors_give_up_after_attempts() -> None:
    fn, calls = failing([500, 503, 429, 500])
    with pytest.raises(HubRetryExhausted, match=r"commit failed after 3 attempt\(s\): HTTP 429"):
        with_retries(fn, "commit", FAST)
    assert len(calls) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_real_problems_are_not_retried(status: int) -> None:
    fn, calls = failing([status])
    with pytest.raises(HfHubHTTPError):
        with_retries(fn, "commit", FAST)
    assert calls == [1]


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    policy = RetryPolicy(max_delay=2.0)
    assert policy.delay(1, retry_after=1.0) == 1.0 and policy.delay(1, retry_after=60.0) == 2.0
    assert 0.25 <= policy.delay(1) <= 0.5 and policy.delay(10) <= 2.0
