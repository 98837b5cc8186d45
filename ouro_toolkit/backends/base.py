"""The one small protocol every VLM backend speaks.

Messages are OpenAI-style chat messages whose content parts are either
`{"type": "text", "text": str}` or `{"type": "image", "image": PIL.Image.Image}`. Each backend
turns them into what its model needs (a processor call, or base64 data URLs over HTTP).

A backend may also offer `as_completed(requests)`, an async iterator of `(index, result)` pairs
in the order answers arrive; `results_as_completed` uses it where it exists. The replay cache
stores each answer as it arrives through it, so a killed build asks again only what was in flight,
not a whole `generate` call (which carries a level of a whole batch of images).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class SamplingParams:
    max_new_tokens: int = 256
    temperature: float = 0.0  # 0 = greedy
    top_p: float = 1.0
    seed: int | None = None


@dataclass
class VLMRequest:
    messages: list[dict[str, Any]]
    sampling: SamplingParams = field(default_factory=SamplingParams)
    json_schema: dict[str, Any] | None = None  # ask for structured output where the backend can
    prompt_version: str = ""  # part of the cache key: bump it when prompts change
    # What the request is about (row id, region box in full-image pixels, d0): model backends
    # and the cache key ignore it; a measurement backend (the ground-truth oracle) reads it.
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class VLMResult:
    text: str | None  # None when the request failed
    error: str | None = None
    cached: bool = False
    data: Any = None  # the parsed JSON object when the request had a json_schema

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None


@runtime_checkable
class VLMBackend(Protocol):
    name: str  # "transformers" | "openai" | ...
    model: str  # model id or path, recorded in provenance and the cache key

    async def generate(self, requests: Sequence[VLMRequest]) -> list[VLMResult]:
        """Answer every request; one result per request, in order. Never raises for one bad request."""
        ...

    async def aclose(self) -> None: ...


async def results_as_completed(
    backend: VLMBackend, requests: Sequence[VLMRequest]
) -> AsyncIterator[tuple[int, VLMResult]]:
    """`(index, result)` for every request, each as soon as the backend has it.

    A backend without `as_completed` answers the whole call at once: its results all come at the end.
    """
    stream = getattr(backend, "as_completed", None)
    if stream is not None:
        # aclosing: a consumer that stops early ends the backend's requests now, not at GC.
        async with aclosing(stream(requests)) as answers:
            async for item in answers:
                yield item
        return
    for item in enumerate(await backend.generate(requests)):
        yield item
