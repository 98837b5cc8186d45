"""VLM backends behind one protocol (base.py), a replay cache, and a factory.

One class per backend; to add one, write its file and add a line to `BACKENDS`. Classes are
imported only when chosen, so picking the HTTP backend never imports torch.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ouro_toolkit.backends.base import SamplingParams, VLMBackend, VLMRequest, VLMResult
from ouro_toolkit.backends.cache import CachedBackend, RequestCache, request_key
from ouro_toolkit.backends.json_output import JSONOutputError, extract_json

# kind -> "module:Class"
BACKENDS: dict[str, str] = {
    "transformers": "ouro_toolkit.backends.transformers_backend:TransformersBackend",
    "openai": "ouro_toolkit.backends.openai_backend:OpenAIBackend",
    # Measurement only, never a default: answers from the truth of `scenes` rows.
    "oracle": "ouro_toolkit.backends.oracle_backend:GroundTruthOracle",
}

# Backends that talk to a server and so need its URL.
NEEDS_SERVER = {"openai"}


def backend_class(kind: str) -> type:
    target = BACKENDS.get(kind)
    if target is None:
        known = ", ".join(sorted(BACKENDS))
        raise ValueError(f"unknown backend {kind!r}; known backends: {known}")
    module_name, attr = target.split(":")
    return getattr(importlib.import_module(module_name), attr)


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
    cls = backend_class(kind)
    if kind in NEEDS_SERVER:
        if not server_url:
            raise ValueError(
                f"the {kind!r} backend needs a server URL (--server-url), e.g. the one `ouro serve` prints"
            )
        backend = cls(model, server_url, **options)
    else:
        if server_url:
            raise ValueError(
                f"--server-url is only for the server backends ({', '.join(sorted(NEEDS_SERVER))}), not {kind!r}"
            )
        backend = cls(model, **options)
    if cache_path is not None:
        return CachedBackend(backend, RequestCache(cache_path))
    return backend


__all__ = [
    "BACKENDS",
    "CachedBackend",
    "JSONOutputError",
    "RequestCache",
    "SamplingParams",
    "VLMBackend",
    "VLMRequest",
    "VLMResult",
    "backend_class",
    "create_backend",
    "extract_json",
    "request_key",
]
