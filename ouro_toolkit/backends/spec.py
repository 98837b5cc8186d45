"""`BackendSpec`: which backend, which model, where, and the knobs every backend is offered.

Made once at the top (from the command line or a recipe), validated once, and turned into a
backend by `backend_from_spec`, the one place a backend kind is looked up. The shared knobs
(`batch_size`, `concurrency`, `max_pixels`) are offered to every backend; each backend class maps
the ones it has a use for in its own `from_spec` and ignores the rest, so no caller needs to know
which backend takes which. Each knob's default is written here and nowhere else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ouro_toolkit.backends.registry import BACKENDS, backend_class, check_server_url


def _help(text: str, **meta: Any) -> dict[str, Any]:
    """A field's command-line option (see `ouro_toolkit.cli.fields`)."""
    return {"help": text, **meta}


@dataclass(frozen=True)
class BackendSpec:
    model: str = field(
        metadata=_help(
            "VLM id or path, e.g. Qwen/Qwen2-VL-7B-Instruct (or a folder from `ouro tiny-model`); "
            "the served model name with --backend openai."
        )
    )
    kind: str = field(
        default="transformers",
        metadata=dict(flag="--backend", choices=tuple(BACKENDS))
        | _help(
            "transformers: in-process; openai: any OpenAI-compatible server (SGLang, vLLM, "
            "transformers serve); oracle: the ground-truth oracle, for measuring on "
            "`--source scenes` only (not a model)."
        ),
    )
    server_url: str | None = field(
        default=None,
        metadata=_help("Server base URL for --backend openai (what `ouro serve` prints)."),
    )
    batch_size: int = field(
        default=8,
        metadata=_help(
            "Images annotated together (build), or requests handed to the backend at a time "
            "(eval); the embedded backend generates up to its own batch_size option of them "
            "at once (default 32).",
            min=1,
        ),
    )
    # 64 keeps an SGLang server's batch full on a 7B model without our side queueing.
    concurrency: int = field(
        default=64, metadata=_help("Requests in flight (server backends).", min=1)
    )
    # None: the model's own processor config decides (the shipped M0 says 224 x 224, what it
    # was trained at); a number bounds every image sent to the embedded model.
    max_pixels: int | None = field(
        default=None,
        metadata=_help(
            "Image size bound for the embedded VLM  [default: the model's processor config].",
            min=1,
        ),
    )
    # Any other field of the backend's own config, e.g. {"timeout": 300} or {"dtype": "bfloat16"}.
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_server_url(self.kind, self.server_url)
        object.__setattr__(self, "options", dict(self.options))

    def replace(self, **changes: Any) -> BackendSpec:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BackendSpec:
        return cls(**data)


def spec_default(name: str) -> Any:
    """The one default of shared knob `name` (for configs that expose the knob themselves)."""
    return {f.name: f.default for f in dataclasses.fields(BackendSpec)}[name]


def backend_from_spec(
    spec: BackendSpec, *, adapter: str | None = None, cache_path: str | Path | None = None
):
    """The backend `spec` describes (with `adapter` on top, where the backend can take one);
    with `cache_path`, wrapped in the SQLite replay cache."""
    backend = backend_class(spec.kind).from_spec(spec, adapter=adapter)
    if cache_path is not None:
        from ouro_toolkit.backends.cache import CachedBackend, RequestCache

        return CachedBackend(backend, RequestCache(cache_path))
    return backend


def options_with(spec: BackendSpec, **knobs: Any) -> dict[str, Any]:
    """A backend's config options: the knobs it maps, overridden by the spec's own options."""
    return {**knobs, **spec.options}
