"""Turning a model's raw reply into a `VLMResult` (shared by every backend and the cache)."""

from __future__ import annotations

from ouro_toolkit.backends.base import VLMRequest, VLMResult
from ouro_toolkit.backends.json_output import JSONOutputError, extract_json
from ouro_toolkit.backends.messages import strip_special_tokens


def finish_result(request: VLMRequest, raw_text: str, *, cached: bool = False) -> VLMResult:
    """Strip special tokens; for JSON requests parse tolerantly and flag a reply that is not JSON.

    A reply that is not the JSON asked for keeps its text (for inspection) and carries an error,
    so callers can keep the row with its error instead of dropping it.
    """
    text = strip_special_tokens(raw_text)
    if request.json_schema is None:
        return VLMResult(text=text, cached=cached)
    try:
        data = extract_json(text)
    except JSONOutputError as err:
        return VLMResult(text=text, error=f"reply is not the JSON asked for: {err}", cached=cached)
    return VLMResult(text=text, data=data, cached=cached)


def failed(error: str) -> VLMResult:
    return VLMResult(text=None, error=error)
