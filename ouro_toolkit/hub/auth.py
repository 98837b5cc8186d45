"""The Hub token, read the standard way: an explicit argument, else `HF_TOKEN`, else the token
saved by `hf auth login` (huggingface_hub's `get_token`). The token is only ever handed to
`HfApi`; nothing here logs, prints or writes it."""

from __future__ import annotations

from huggingface_hub import constants, get_token

from ouro_toolkit.errors import OuroError


class HubAuthError(OuroError, RuntimeError):
    """No token could be found, or the Hub is switched off; the message says what to do."""


def require_online() -> None:
    """Fail at once (not after retries) when huggingface_hub runs in offline mode."""
    if constants.is_offline_mode():
        raise HubAuthError(
            "HF_HUB_OFFLINE is set, so nothing can be pushed: unset it (or set it to 0) to publish"
        )


def resolve_token(token: str | None = None) -> str:
    require_online()
    token = token or get_token()
    if not token:
        raise HubAuthError(
            "no Hugging Face token found: set HF_TOKEN or run `hf auth login` "
            "(a token with write access is needed to push)"
        )
    return token


def redact(text: str, token: str | None) -> str:
    """Remove the token from a message before it is shown (defence in depth for error text)."""
    return text.replace(token, "hf_***") if token else text
