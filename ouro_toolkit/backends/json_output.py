"""Tolerant JSON from model text: the first JSON object (or array) in a reply, wherever it sits.

Models wrap JSON in code fences, prefix it with prose, or trail junk after it; servers that
ignore `response_format` return whatever the model wrote. We take the first value that parses.
"""

from __future__ import annotations

import json
from typing import Any


class JSONOutputError(ValueError):
    """The text holds no JSON value of the kind asked for."""


_DECODER = json.JSONDecoder()


def extract_json(text: str, *, want: type = dict) -> Any:
    """Return the first JSON value of type `want` (dict or list) found in `text`.

    Raises JSONOutputError naming what was found when there is none.
    """
    if not isinstance(text, str):
        raise JSONOutputError(f"expected text, got {type(text).__name__}")
    opener = "{" if want is dict else "["
    start = text.find(opener)
    while start != -1:
        try:
            # raw_decode stops at the end of the value, so fences and trailing junk do not matter.
            value, _ = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find(opener, start + 1)
            continue
        if isinstance(value, want):
            return value
        start = text.find(opener, start + 1)
    preview = text.strip().replace("\n", " ")[:80]
    raise JSONOutputError(f"no JSON {want.__name__} in the reply: {preview!r}")


def json_instruction(schema: dict[str, Any]) -> str:
    """A brief instruction appended to the prompt when JSON is asked for."""
    return (
        "\n\nAnswer with only a JSON object (no prose, no code fences) matching this JSON schema: "
        + json.dumps(schema, separators=(",", ":"), sort_keys=True)
    )
