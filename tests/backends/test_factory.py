from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ouro_toolkit.backends import (
    BACKENDS,
    BackendSpec,
    CachedBackend,
    backend_from_spec,
    create_backend,
)
from ouro_toolkit.backends.base import VLMBackend
from ouro_toolkit.errors import ConfigError, UnknownName


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


def test_each_backend_maps_the_shared_knobs_itself_and_options_win():
    spec = BackendSpec("m", batch_size=3, concurrency=5, max_pixels=1000)
    local = backend_from_spec(spec)
    # The embedded backend's request batch is its own: the spec's batch is images (or requests
    # handed over) at a time, and a level of a whole image batch arrives in one call.
    assert (local.config.batch_size, local.config.max_pixels) == (32, 1000)
    served = backend_from_spec(spec.replace(kind="openai", server_url="http://127.0.0.1:1"))
    assert served.config.concurrency == 5 and served.model == "m"
    assert backend_from_spec(spec.replace(options={"batch_size": 2})).config.batch_size == 2
    # An adapter: loaded on top by the embedded backend, the served model's name on a server.
    assert backend_from_spec(spec, adapter="a").config.adapter == "a"
    assert (
        backend_from_spec(
            spec.replace(kind="openai", server_url="http://127.0.0.1:1"), adapter="a"
        ).model
        == "a"
    )
    with pytest.raises(ConfigError, match="takes no adapter"):
        backend_from_spec(BackendSpec("m", "oracle"), adapter="a")


def test_a_spec_is_checked_when_made():
    with pytest.raises(ConfigError, match="needs a server URL"):
        BackendSpec("m", "openai")
    with pytest.raises(UnknownName):
        BackendSpec("m", "sglang")


def test_the_library_switches_on_backend_kind_nowhere_but_the_registry():
    """A backend kind compared with a name outside backends/: the wiring written twice."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in sorted((root / "ouro_toolkit").rglob("*.py")):
        if path.name == "registry.py" and path.parent.name == "backends":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            names = {s.value for s in sides if isinstance(s, ast.Constant)} & set(BACKENDS)
            text = " ".join(ast.unparse(s) for s in sides if not isinstance(s, ast.Constant))
            if names and ("backend" in text or "kind" in text):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    assert offenders == []
