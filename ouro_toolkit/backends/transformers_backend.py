"""Embedded backend: batched in-process generation with transformers (the default; no server).

Generation runs in one worker thread so `await generate()` never blocks the event loop, and the
model is used by one thread at a time. Requests are batched (left padding, as a decoder-only
model generates from the right edge); a batch that fails is retried one request at a time so
one bad request cannot fail its neighbours.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from ouro_toolkit.backends.base import SamplingParams, VLMRequest, VLMResult
from ouro_toolkit.backends.messages import chat_prompt, images_in, request_messages
from ouro_toolkit.backends.results import failed, finish_result
from ouro_toolkit.backends.spec import BackendSpec, options_with, spec_default
from ouro_toolkit.errors import BackendLoadError, ConfigError, one_line

log = logging.getLogger(__name__)


@dataclass
class TransformersBackendConfig:
    # Requests generated together. Not the spec's `batch_size` (images annotated together, or
    # requests handed over at a time): one call carries a level of regions for a whole image
    # batch, and fewer, wider batches mean fewer decode steps (`benchmarks/embedded.py`).
    batch_size: int = 32
    device: str = "auto"  # "auto" -> cuda if available, else cpu
    dtype: str = "auto"  # "auto" -> bfloat16 on CUDA (float16 if bf16 unsupported), float32 on CPU
    # Image size bounds (pixels) for the processor; Qwen2-VL-Instruct defaults are 56*56 ..
    # 28*28*1280. None keeps the checkpoint's own setting.
    min_pixels: int | None = None
    max_pixels: int | None = spec_default("max_pixels")
    attn_implementation: str | None = None  # e.g. "flash_attention_2" on a GPU with it installed
    # torch threads for generation on the CPU; None keeps torch's default. A small model decodes
    # faster on 1: waking a second thread for each tiny matmul costs more than it saves.
    threads: int | None = None
    # A PEFT (LoRA) adapter folder or Hub id to load on top of the model (e.g. an OURO adapter to
    # evaluate); merged into the weights so generation runs at the base model's speed.
    adapter: str | None = None


@dataclass
class TransformersStats:
    requests: int = 0  # requests generated (model calls)
    batches: int = 0
    failures: int = 0
    # Counted from the processor's input ids (image tokens included, padding not): no server
    # reports them here.
    prompt_tokens: int = 0
    prompt_tokens_counted_by = "counted by the tokenizer"


class TransformersBackend:
    name = "transformers"
    runs_model_here = True  # the model runs in this process: a launch gives its shard a GPU

    def __init__(self, model: str, config: TransformersBackendConfig | None = None, **options: Any):
        self.model = str(model)
        self.config = config or TransformersBackendConfig(**options)
        if self.config.batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {self.config.batch_size}")
        if self.config.threads is not None and self.config.threads < 1:
            raise ConfigError(f"threads must be >= 1 (or unset), got {self.config.threads}")
        self.stats = TransformersStats()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ouro-generate")
        self._load_lock = threading.Lock()
        self._hf_model = None
        self._processor = None
        self._image_size: dict[str, int] | None = None

    @classmethod
    def from_spec(cls, spec: BackendSpec, adapter: str | None = None) -> TransformersBackend:
        knobs: dict[str, Any] = {"max_pixels": spec.max_pixels}  # its request batch is its own
        if adapter:
            knobs["adapter"] = adapter
        return cls(spec.model, **options_with(spec, **knobs))

    # -- loading ---------------------------------------------------------------------------

    def _resolve_device_dtype(self):
        import torch

        device = self.config.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = self.config.dtype
        if dtype == "auto":
            if device.startswith("cuda"):
                dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            else:
                dtype = torch.float32  # CPU bf16 matmuls are slow and lossy
        elif isinstance(dtype, str):
            dtype = getattr(torch, dtype)
        return device, dtype

    def load(self) -> None:
        """Load model and processor (done lazily by the first generate)."""
        with self._load_lock:
            if self._hf_model is not None:
                return
            from transformers import AutoModelForImageTextToText, AutoProcessor

            device, dtype = self._resolve_device_dtype()
            kwargs: dict[str, Any] = {"dtype": dtype}
            if self.config.attn_implementation:
                kwargs["attn_implementation"] = self.config.attn_implementation
            try:
                processor = AutoProcessor.from_pretrained(self.model)
                model = AutoModelForImageTextToText.from_pretrained(self.model, **kwargs)
            except OSError as err:
                raise BackendLoadError(
                    f"could not load model {self.model!r}: {one_line(err, first_only=True)} "
                    "(offline? pass a local model folder, or download it first with "
                    f"`hf download {self.model}` where the internet is reachable)"
                ) from err
            if self.config.adapter:
                model = self._with_adapter(model, self.config.adapter)
            processor.tokenizer.padding_side = "left"
            if processor.tokenizer.pad_token is None:
                processor.tokenizer.pad_token = processor.tokenizer.eos_token
            self._processor = processor
            self._image_size = self._pixel_bounds(processor)
            self._hf_model = model.to(device).eval()
            log.info("loaded %s on %s (%s)", self.model, device, dtype)

    @staticmethod
    def _with_adapter(model: Any, adapter: str) -> Any:
        from peft import PeftModel

        try:
            return PeftModel.from_pretrained(model, adapter).merge_and_unload()
        except (OSError, ValueError) as err:
            raise BackendLoadError(
                f"could not load adapter {adapter!r}: {one_line(err, first_only=True)}"
            ) from err

    def _pixel_bounds(self, processor: Any) -> dict[str, int] | None:
        """min/max_pixels as the processor's `size` (its min_pixels/max_pixels kwargs are deprecated)."""
        cfg = self.config
        if cfg.min_pixels is None and cfg.max_pixels is None:
            return None
        size = dict(getattr(processor.image_processor, "size", None) or {})
        if cfg.min_pixels is not None:
            size["shortest_edge"] = cfg.min_pixels
        if cfg.max_pixels is not None:
            size["longest_edge"] = cfg.max_pixels
        if size.get("shortest_edge", 0) > size.get("longest_edge", float("inf")):
            raise ConfigError(
                f"min_pixels {size['shortest_edge']} exceeds max_pixels {size['longest_edge']}"
            )
        return size

    # -- generation ------------------------------------------------------------------------

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
        """`(index, result)` pairs, a generated batch at a time (batches group equal sampling)."""
        if not requests:
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self.load)
        except Exception as err:  # every request fails the same way; say why once per request
            for i in range(len(requests)):
                yield i, failed(f"transformers backend: {err}")
            return
        order = sorted(range(len(requests)), key=lambda i: _sampling_key(requests[i].sampling))
        for _, group in groupby(order, key=lambda i: _sampling_key(requests[i].sampling)):
            indices = list(group)
            for start in range(0, len(indices), self.config.batch_size):
                chunk = indices[start : start + self.config.batch_size]
                batch = [requests[i] for i in chunk]
                answers = await loop.run_in_executor(self._executor, self._generate_isolated, batch)
                for i, answer in zip(chunk, answers, strict=True):
                    yield i, answer

    def _generate_isolated(self, batch: list[VLMRequest]) -> list[VLMResult]:
        try:
            texts = self._generate_batch(batch)
        except Exception as err:
            if len(batch) == 1:
                self.stats.failures += 1
                return [failed(f"transformers generation failed: {type(err).__name__}: {err}")]
            log.warning("batch of %d failed (%s); retrying one by one", len(batch), err)
            return [r for request in batch for r in self._generate_isolated([request])]
        return [finish_result(req, text) for req, text in zip(batch, texts, strict=True)]

    def _generate_batch(self, batch: list[VLMRequest]) -> list[str]:
        import torch

        processor, model = self._processor, self._hf_model
        threads = self.config.threads
        if (
            threads is not None
            and model.device.type == "cpu"
            and torch.get_num_threads() != threads
        ):
            torch.set_num_threads(threads)  # in the generate thread, where the matmuls run
        prompts, images = [], []
        for request in batch:
            messages = request_messages(request)
            prompts.append(chat_prompt(processor, messages))
            images.extend(image.convert("RGB") for image in images_in(messages))
        proc_kwargs = {"size": self._image_size} if self._image_size else {}
        inputs = processor(
            text=prompts, images=images or None, padding=True, return_tensors="pt", **proc_kwargs
        ).to(model.device)
        s = batch[0].sampling
        gen_kwargs: dict[str, Any] = {
            "max_new_tokens": s.max_new_tokens,
            "do_sample": s.temperature > 0,
        }
        if s.temperature > 0:
            gen_kwargs.update(temperature=s.temperature, top_p=s.top_p)
            if s.seed is not None:
                torch.manual_seed(s.seed)
        with torch.inference_mode():
            out = model.generate(**inputs, **gen_kwargs)
        self.stats.batches += 1
        self.stats.requests += len(batch)
        self.stats.prompt_tokens += int(inputs["attention_mask"].sum())
        new_tokens = out[:, inputs["input_ids"].shape[1] :]
        return processor.batch_decode(new_tokens, skip_special_tokens=True)

    async def aclose(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._hf_model = None
        self._processor = None


def _sampling_key(s: SamplingParams) -> tuple:
    return (s.max_new_tokens, s.temperature, s.top_p, -1 if s.seed is None else s.seed)
