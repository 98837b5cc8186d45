"""VLM backends behind one protocol (base.py), a replay cache, and one factory (spec.py).

One class per backend; to add one, write its file and add a line to `BACKENDS` in registry.py. Classes are
imported only when chosen, so picking the HTTP backend never imports torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ouro_toolkit.backends.base import SamplingParams, VLMBackend, VLMRequest, VLMResult
from ouro_toolkit.backends.cache import CachedBackend, RequestCache, request_key
from ouro_toolkit.backends.json_output import JSONOutputError, extract_json
from ouro_toolkit.backends.registry import BACKENDS, NEEDS_SERVER, backend_class, check_server_url
from ouro_toolkit.backends.spec import BackendSpec, backend_from_spec


def create_backend(
    kind: str,
    model: str,
    *,
    server_url: str | None = None,
    cache_path: str | Path | None = None,
    **options: Any,
) -> VLMBackend:
    """Shorthand for `backend_from_spec(BackendSpec(model, kind, server_url, options=options))`.

    `options` are the backend's own config fields (e.g. `batch_size`, `max_pixels` for
    "transformers"; `concurrency`, `timeout`, `max_retries` for "openai"); they win over the
    spec's shared knobs.
    """
    spec = BackendSpec(model, kind, server_url, options=options)
    return backend_from_spec(spec, cache_path=cache_path)


def load_now(backend: VLMBackend) -> VLMBackend:
    """Load the model now when the backend can (transformers), so a model or adapter that cannot
    be loaded fails with one `BackendLoadError` before any work, instead of turning every
    request into a failed row (which a rerun would then skip as complete)."""
    load = getattr(backend, "load", None)
    if callable(load):
        load()
    return backend


__all__ = [
    "BACKENDS",
    "BackendSpec",
    "NEEDS_SERVER",
    "CachedBackend",
    "JSONOutputError",
    "RequestCache",
    "SamplingParams",
    "VLMBackend",
    "VLMRequest",
    "VLMResult",
    "backend_class",
    "backend_from_spec",
    "check_server_url",
    "create_backend",
    "extract_json",
    "load_now",
    "request_key",
]
