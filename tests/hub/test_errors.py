"""A failed push becomes one HubPushError a user can act on, and the token never shows in it,
whatever text the Hub, the network or the retry loop put around it."""

from __future__ import annotations

import click
import httpx2
import pytest
from click.testing import CliRunner

from ouro_toolkit.cli import main
from ouro_toolkit.hub.errors import HubPushError, explain, raise_explained
from ouro_toolkit.hub.retry import HubRetryExhausted
from tests.helpers.hub_env import FAKE_TOKEN
from tests.helpers.hub_errors import http_error

AFTER = "Nothing was committed; rerun to retry."


def _seen(err: Exception, what: str = "pushing shard 0 to u/repo") -> str:
    """The message the user sees for `err` raised while doing `what`."""
    with pytest.raises(HubPushError) as caught:
        raise_explained(err, what, FAKE_TOKEN, AFTER)
    assert caught.value.__cause__ is err  # the original stays chained for -vv
    return str(caught.value)


def test_a_token_in_the_hubs_error_text_is_replaced_and_the_rest_kept() -> None:
    err = http_error(401, f"401 Unauthorized: bad token {FAKE_TOKEN} for u/repo")
    assert _seen(err) == (
        "pushing shard 0 to u/repo failed: HTTP 401: 401 Unauthorized: bad token hf_*** for "
        "u/repo (the Hub rejected the token: check HF_TOKEN or `hf auth login`). " + AFTER
    )


def test_a_token_in_a_network_error_is_replaced() -> None:
    err = httpx2.ConnectError(f"cannot reach https://user:{FAKE_TOKEN}@proxy.local:3128")
    assert _seen(err) == (
        "pushing shard 0 to u/repo failed: ConnectError: cannot reach "
        "https://user:hf_***@proxy.local:3128. " + AFTER
    )


def test_a_token_in_the_last_error_of_spent_retries_is_replaced() -> None:
    last = http_error(503, f"503 busy; retry with {FAKE_TOKEN}")
    seen = _seen(HubRetryExhausted("commit", 3, last))
    assert seen == (
        "pushing shard 0 to u/repo failed: HTTP 503: 503 busy; retry with hf_*** "
        "(gave up after 3 attempts). " + AFTER
    )


def test_the_token_anywhere_in_the_message_is_replaced_every_time() -> None:
    err = http_error(404, f"{FAKE_TOKEN} not found")
    message = str(explain(err, f"pushing with {FAKE_TOKEN}", FAKE_TOKEN, f"({FAKE_TOKEN})"))
    assert FAKE_TOKEN not in message and message.count("hf_***") == 3
    assert "check the repo id (namespace/name)" in message


def test_without_a_token_the_text_is_left_as_it_is() -> None:
    message = str(explain(http_error(500, "500 hf_abc"), "pushing", None, AFTER))
    assert message == "pushing failed: HTTP 500: 500 hf_abc. " + AFTER


def test_anything_not_from_the_hub_goes_up_unchanged() -> None:
    bug = ValueError("a bug in the build folder code")
    with pytest.raises(ValueError) as caught:
        raise_explained(bug, "pushing", FAKE_TOKEN, AFTER)
    assert caught.value is bug


@click.command()
def push_fails() -> None:
    """A push whose commit the Hub refuses with the token in its text (a command for this test)."""
    err = http_error(403, f"403 Forbidden: {FAKE_TOKEN} may not write to u")
    raise_explained(err, "pushing shard 0 to u/repo", FAKE_TOKEN, AFTER)


def test_the_line_the_cli_prints_has_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(main.COMMANDS, "push-fails", f"{__name__}:push_fails")
    result = CliRunner().invoke(main.cli, ["push-fails"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: pushing shard 0 to u/repo failed: HTTP 403: 403 Forbidden: hf_*** may not write "
        "to u (the token may not write to this namespace: use a token with write access to it). "
        + AFTER
        + "\n"
    )
