"""OpenAI-compatible HTTP backend: SGLang (production), vLLM, `transformers serve`.

Bounded concurrency keeps the server's queue full without ever queueing unboundedly on our side:
a fixed pool of workers pulls requests one at a time. Transient failures (timeouts, refused or
dropped connections, 5xx, 429) are retried with exponential backoff; a request that still fails
becomes a `VLMResult` with an error, and the others carry on.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from ouro_toolkit.backends.base import VLMRequest, VLMResult
from ouro_toolkit.backends.http_connections import (
    TIMEOUTS,
    TRANSPORT_ERRORS,
    ConnectionStack,
    HTTPReply,
)
from ouro_toolkit.backends.messages import request_messages, to_openai_messages
from ouro_toolkit.backends.registry import check_server_url
from ouro_toolkit.backends.results import failed, finish_result
from ouro_toolkit.backends.spec import BackendSpec, options_with, spec_default
from ouro_toolkit.errors import ConfigError
from ouro_toolkit.retry import RetryPolicy

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


@dataclass
class OpenAIBackendConfig:
    concurrency: int = spec_default("concurrency")  # in flight; SGLang batches them server-side
    timeout: float = 120.0  # seconds per HTTP request (one attempt)
    connect_timeout: float = 10.0
    max_retries: int = 4  # attempts after the first
    backoff: float = 0.5  # first retry delay in seconds; doubles each time
    max_backoff: float = 10.0

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.max_retries + 1, base_delay=self.backoff, max_delay=self.max_backoff
        )

    api_key: str | None = None  # SGLang/vLLM accept any key unless started with one
    response_format: bool = True  # send json_schema response_format for JSON requests
    # "jpeg" (quality 95) encodes ~20x faster than PNG (10 ms vs 190 ms at 1280x960 here), which
    # keeps the client ahead of a fast server; "png" when the server must see exact pixels.
    image_format: str = "jpeg"


@dataclass
class OpenAIStats:
    requests: int = 0  # logical requests answered (success or final failure)
    http_calls: int = 0  # POSTs sent, retries included
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0  # as the server reports them (`usage`), when it does
    completion_tokens: int = 0
    prompt_tokens_counted_by = "as the server reported them"


class _Retryable(Exception):
    """A transient failure worth another attempt."""


class _Rejected(Exception):
    """A non-retryable failure (4xx, malformed reply)."""


class OpenAIBackend:
    """Async client for `/v1/chat/completions`."""

    name = "openai"

    def __init__(
        self, model: str, server_url: str, config: OpenAIBackendConfig | None = None, **options: Any
    ):
        check_server_url(self.name, server_url)
        self.model = model
        self.config = config or OpenAIBackendConfig(**options)
        if self.config.concurrency < 1:
            raise ConfigError(f"concurrency must be >= 1, got {self.config.concurrency}")
        if self.config.image_format not in ("jpeg", "png"):
            raise ConfigError(
                f"image_format must be 'jpeg' or 'png', got {self.config.image_format!r}"
            )
        self.base_url = normalize_server_url(server_url)
        self.endpoint = self.base_url + "/v1/chat/completions"
        self.stats = OpenAIStats()
        self._response_format_ok = self.config.response_format
        self._connections: ConnectionStack | None = None
        self._connections_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_spec(cls, spec: BackendSpec, adapter: str | None = None) -> OpenAIBackend:
        # A server serves an adapter under its own model name; images are sized by the server.
        options = options_with(spec, concurrency=spec.concurrency)
        return cls(adapter or spec.model, str(spec.server_url), **options)

    def _get_connections(self) -> ConnectionStack:
        loop = asyncio.get_running_loop()
        if self._connections is None or self._connections_loop is not loop:
            # A connection belongs to the loop it was opened on; a caller running
            # `asyncio.run(backend.generate(...))` twice gets fresh ones for the new loop.
            cfg = self.config
            headers = {"Authorization": f"Bearer {cfg.api_key}"} if cfg.api_key else {}
            self._connections = ConnectionStack(
                self.base_url,
                limit=cfg.concurrency,
                timeout=cfg.timeout,
                connect_timeout=min(cfg.connect_timeout, cfg.timeout),
                headers=headers,
            )
            self._connections_loop = loop
        return self._connections

    async def generate(self, requests: Sequence[VLMRequest]) -> list[VLMResult]:
        results: list[VLMResult | None] = [None] * len(requests)
        async for i, result in self.as_completed(requests):
            results[i] = result
        return [
            r if r is not None else failed("internal: request was not answered") for r in results
        ]

    async def as_completed(
        self, requests: Sequence[VLMRequest]
    ) -> AsyncIterator[tuple[int, VLMResult]]:
        """`(index, result)` pairs as answers arrive, at most `concurrency` requests in flight."""
        answered: asyncio.Queue[tuple[int, VLMResult | BaseException]] = asyncio.Queue()
        pending = iter(range(len(requests)))

        async def worker() -> None:
            for i in pending:  # shared iterator: each index is taken by exactly one worker
                try:
                    answered.put_nowait((i, await self._answer(requests[i])))
                except Exception as err:  # a bug, not a bad request: the consumer raises it
                    answered.put_nowait((i, err))
                    return

        n_workers = min(self.config.concurrency, len(requests))
        workers = [asyncio.create_task(worker()) for _ in range(n_workers)]
        try:
            for _ in range(len(requests)):
                i, result = await answered.get()
                if isinstance(result, BaseException):
                    raise result
                yield i, result
        finally:  # the consumer stopped early (Ctrl-C, an error): nothing is left running
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _answer(self, request: VLMRequest) -> VLMResult:
        try:
            # Image encoding is CPU work: off the event loop, so other requests keep flowing.
            payload = await asyncio.to_thread(self._payload, request)
        except Exception as err:  # a bad image or message: this request only
            self.stats.requests += 1
            self.stats.failures += 1
            return failed(f"could not build the request: {type(err).__name__}: {err}")
        result = await self._post_with_retries(request, payload)
        self.stats.requests += 1
        self.stats.failures += not result.ok
        return result

    def _payload(self, request: VLMRequest) -> dict[str, Any]:
        messages = request_messages(request)
        s = request.sampling
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(messages, self.config.image_format),
            "max_tokens": s.max_new_tokens,
            "temperature": s.temperature,
            "top_p": s.top_p,
        }
        if s.seed is not None:
            payload["seed"] = s.seed
        if request.json_schema is not None and self._response_format_ok:
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": request.json_schema},
            }
        return payload

    async def _post_with_retries(self, request: VLMRequest, payload: dict[str, Any]) -> VLMResult:
        policy = self.config.retry
        last_error = ""
        for attempt in range(policy.attempts):
            if attempt:
                self.stats.retries += 1
                await asyncio.sleep(policy.delay(attempt))
            try:
                return finish_result(request, await self._post_once(payload))
            except _Retryable as err:
                last_error = str(err)
                log.debug("retryable failure (attempt %d): %s", attempt + 1, last_error)
            except _Rejected as err:
                return failed(str(err))
        return failed(f"{self.endpoint} failed after {policy.attempts} attempts: {last_error}")

    async def _post_once(self, payload: dict[str, Any]) -> str:
        response = await self._send(payload)
        if response.status_code >= 400 and "response_format" in payload:
            # Some servers reject json_schema outright: ask again relying on the prompt alone, and
            # stop sending it only if that works (the 4xx may have had another cause).
            plain = {k: v for k, v in payload.items() if k != "response_format"}
            retry = await self._send(plain)
            if retry.status_code < 400 and self._response_format_ok:
                log.warning(
                    "server rejected response_format (HTTP %d); using prompt-only JSON",
                    response.status_code,
                )
                self._response_format_ok = False
            response = retry if retry.status_code < 400 else response
        if response.status_code >= 400:
            raise _Rejected(
                f"HTTP {response.status_code} from {self.endpoint}: {response.text[:300]}"
            )
        try:
            reply = json.loads(response.content)
            content = reply["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as err:
            raise _Rejected(f"malformed reply from {self.endpoint}: {response.text[:200]}") from err
        if content is None:
            raise _Rejected(f"reply from {self.endpoint} has no message content")
        usage = reply.get("usage") or {}
        self.stats.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.stats.completion_tokens += int(usage.get("completion_tokens") or 0)
        return content

    async def _send(self, payload: dict[str, Any]) -> HTTPReply:
        self.stats.http_calls += 1
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            response = await self._get_connections().post(self.endpoint, body)
        except TIMEOUTS as err:
            raise _Retryable(
                f"timed out after {self.config.timeout:g}s ({type(err).__name__})"
            ) from err
        except TRANSPORT_ERRORS as err:  # refused, reset, server died mid-reply
            raise _Retryable(f"{type(err).__name__}: {err or 'connection failed'}") from err
        if response.status_code in RETRYABLE_STATUS:
            raise _Retryable(f"HTTP {response.status_code}: {response.text[:200]}")
        return response

    async def aclose(self) -> None:
        connections, self._connections = self._connections, None
        if connections is not None:
            await connections.aclose()


def normalize_server_url(url: str) -> str:
    """Accept `host:port`, `http://host:port`, or a URL ending in `/v1`; return the base URL."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    return url
