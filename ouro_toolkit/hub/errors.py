"""One error type for a failed push, with a message a user can act on (never the token)."""

from __future__ import annotations

from typing import NoReturn

from huggingface_hub.utils import HFValidationError, validate_repo_id

from ouro_toolkit.errors import OuroError, one_line
from ouro_toolkit.hub.auth import redact
from ouro_toolkit.hub.retry import HubRetryExhausted, is_retryable, short_error, status_of


class HubPushError(OuroError, RuntimeError):
    """A push failed; the message says what happened, what is on the Hub now and what to do."""


HINTS = {
    401: "the Hub rejected the token: check HF_TOKEN or `hf auth login`",
    403: "the token may not write to this namespace: use a token with write access to it",
    404: "the repo or namespace was not found: check the repo id (namespace/name)",
}


def explain(err: Exception, what: str, token: str | None, after: str) -> HubPushError:
    """Wrap `err` (raised while doing `what`) into a HubPushError; `after` says what state is left."""
    if isinstance(err, HubRetryExhausted):
        detail = f"{short_error(err.last)} (gave up after {err.attempts} attempts)"
    else:
        status = status_of(err)
        hint = HINTS.get(status or 0)
        detail = f"{short_error(err)}" + (f" ({hint})" if hint else "")
    return HubPushError(redact(f"{what} failed: {detail}. {after}", token))


def is_hub_error(err: Exception) -> bool:
    """Whether `err` came from talking to the Hub (an HTTP status, a network failure, retries spent)."""
    return isinstance(err, HubRetryExhausted) or status_of(err) is not None or is_retryable(err)


def raise_explained(err: Exception, what: str, token: str | None, after: str) -> NoReturn:
    """Re-raise a Hub error as a HubPushError saying what is on the Hub now; others unchanged.

    Anything else (a HubPushError already explained, a bad build folder, a bug) goes up as is.
    """
    if isinstance(err, HubPushError) or not is_hub_error(err):
        raise err
    raise explain(err, what, token, after) from err


def check_repo_id(repo_id: str) -> None:
    """A clear error for a repo id the Hub would refuse, before anything is uploaded."""
    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise HubPushError(
            f"{repo_id!r} is not a valid repo id: {one_line(err, first_only=True)}"
        ) from None
    if repo_id.count("/") != 1:
        raise HubPushError(
            f"{repo_id!r}: give the repo as namespace/name, e.g. your-name/ouro-coco"
        )
