"""The Hub token, read the standard way: an explicit argument, else `HF_TOKEN`, else the token
saved by `hf auth login` (huggingface_hub's `get_token`). The token is only ever handed to
`HfApi`; nothing here logs, prints or writes it."""

from __future__ import annotations

from huggingface_hub import get_token


class HubAuthError(RuntimeError):
    """No token could be found; the message says how to provide one."""


def resolve_token(token: str | None = None) -> str:
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
