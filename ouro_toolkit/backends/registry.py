"""The backend registry: name -> class, and which backends talk to a server.

To add a backend: write `ouro_toolkit/backends/<name>_backend.py`, give its class a
`from_spec(spec, adapter=None)` that maps the spec's shared knobs onto its own options, and add
one line to `BACKENDS` (and to `NEEDS_SERVER` when it needs `--server-url`). The CLI's
`--backend` choices come from here.
"""

from __future__ import annotations

import importlib

from ouro_toolkit.errors import ConfigError, UnknownName

# kind -> "module:Class"
BACKENDS: dict[str, str] = {
    "transformers": "ouro_toolkit.backends.transformers_backend:TransformersBackend",
    "openai": "ouro_toolkit.backends.openai_backend:OpenAIBackend",
    # Measurement only, never a default: answers from the truth of `scenes` rows.
    "oracle": "ouro_toolkit.backends.oracle_backend:GroundTruthOracle",
}

# Backends that talk to a server and so need its URL.
NEEDS_SERVER = {"openai"}


def check_server_url(kind: str, server_url: str | None) -> None:
    """The one check that a backend name is known and has a server URL exactly when it needs one."""
    if kind not in BACKENDS:
        raise UnknownName("backend", kind, sorted(BACKENDS))
    if kind in NEEDS_SERVER and not server_url:
        raise ConfigError(
            f"the {kind!r} backend needs a server URL (--server-url), e.g. the one `ouro serve` prints"
        )
    if kind not in NEEDS_SERVER and server_url:
        raise ConfigError(
            f"--server-url is only for the server backends ({', '.join(sorted(NEEDS_SERVER))}), not {kind!r}"
        )


def backend_class(kind: str) -> type:
    if kind not in BACKENDS:
        raise UnknownName("backend", kind, sorted(BACKENDS))
    module_name, attr = BACKENDS[kind].split(":")
    return getattr(importlib.import_module(module_name), attr)
