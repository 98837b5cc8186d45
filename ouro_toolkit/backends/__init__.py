"""VLM backends behind one protocol (base.py), a replay cache, and a factory.

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


def create_backend(
    kind: str,
    model: str,
    *,
    server_url: str | None = None,
    cache_path: str | Path | None = None,
    **options: Any,
) -> VLMBackend:
    """Build a backend by name; with `cache_path`, wrap it in the SQLite replay cache.

    `options` are the backend's config fields (e.g. `batch_size`, `max_pixels` for
    "transformers"; `concurrency`, `timeout`, `max_retries` for "openai").
    """
    check_server_url(kind, server_url)
    cls = backend_class(kind)
    if kind in NEEDS_SERVER:
        backend = cls(model, server_url, **options)
    else:
        backend = cls(model, **options)
    if cache_path is not None:
        return CachedBackend(backend, RequestCache(cache_path))
    return backend


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
    "NEEDS_SERVER",
    "CachedBackend",
    "JSONOutputError",
    "RequestCache",
    "SamplingParams",
    "VLMBackend",
    "VLMRequest",
    "VLMResult",
    "backend_class",
    "check_server_url",
    "create_backend",
    "extract_json",
    "load_now",
    "request_key",
]
