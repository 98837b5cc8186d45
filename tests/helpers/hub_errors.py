"""Real huggingface_hub error objects, as a failed Hub request raises them (no server)."""

from __future__ import annotations

import httpx2
from huggingface_hub.errors import HfHubHTTPError


def http_error(status: int, message: str | None = None) -> HfHubHTTPError:
    response = httpx2.Response(
        status, request=httpx2.Request("POST", "http://127.0.0.1/api/commit")
    )
    return HfHubHTTPError(message or f"{status} error", response=response)
