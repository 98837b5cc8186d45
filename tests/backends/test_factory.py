from __future__ import annotations

import pytest

from ouro_toolkit.backends import BACKENDS, CachedBackend, create_backend
from ouro_toolkit.backends.base import VLMBackend


def test_unknown_kind_lists_known_ones():
    with pytest.raises(ValueError, match="unknown backend 'sglang'.*openai, oracle, transformers"):
        create_backend("sglang", "m")


def test_openai_needs_server_url_and_transformers_refuses_one():
    with pytest.raises(ValueError, match="needs a server URL"):
        create_backend("openai", "m")
    with pytest.raises(ValueError, match="only for the server backends"):
        create_backend("transformers", "m", server_url="http://x")


def test_each_backend_speaks_the_protocol(tmp_path):
    for kind in BACKENDS:
        backend = create_backend(
            kind, "m", server_url="http://127.0.0.1:1" if kind == "openai" else None
        )
        assert isinstance(backend, VLMBackend) and backend.name == kind
    cached = create_backend(
        "openai", "m", server_url="http://127.0.0.1:1", cache_path=tmp_path / "c.sqlite"
    )
    assert isinstance(cached, CachedBackend) and isinstance(cached, VLMBackend)


def test_options_reach_the_backend_config():
    backend = create_backend(
        "openai", "m", server_url="http://127.0.0.1:1", concurrency=3, timeout=5
    )
    assert backend.config.concurrency == 3 and backend.config.timeout == 5
    with pytest.raises(TypeError):
        create_backend("transformers", "m", no_such_option=1)
