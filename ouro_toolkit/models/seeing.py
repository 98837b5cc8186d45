"""A small Qwen2-VL that can learn to see, made from a config and a domain tokenizer.

`ouro tiny-model` makes a 0.1M-parameter random model for plumbing tests; this one is sized to
learn (about 4M parameters: text hidden 256, 4 layers; vision depth 4, embed 128) and is trained
from scratch on CPU by `ouro_toolkit.experiment.base_model`. Choices that matter on a CPU:

* a byte-level BPE trained on the texts the model will read and write (prompts, JSON schemas,
  descriptions, QA), so the fixed prompt costs few tokens;
* a chat template without the default system prompt, which would otherwise be most of a short
  sequence's tokens; assistant turns carry `{% generation %}` markers for answer-only loss;
* image sides bounded to 56..224 px (multiples of 28, so `smart_resize` keeps them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ouro_toolkit.models.tiny import (
    CHAT_TEMPLATE,
    Qwen2VLShape,
    qwen2vl_config,
    train_bpe_tokenizer,
)

# The tiny template minus its default system prompt block.
_SYSTEM_BLOCK = (
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}"
)
SEEING_CHAT_TEMPLATE = CHAT_TEMPLATE.replace(_SYSTEM_BLOCK, "")


# Sized to learn on a CPU (about 4M parameters); rope_theta 1e4: sequences here are short.
SEEING_SHAPE = Qwen2VLShape(
    hidden=256,
    heads=4,
    kv_heads=2,
    layers=4,
    intermediate=512,
    rope_theta=10_000.0,
    vision_depth=4,
    vision_embed=128,
    vision_heads=4,
)


@dataclass(frozen=True)
class SeeingConfig:
    """The model's shape, its tokenizer's size and its processor's image bounds."""

    vocab_size: int = 1024
    shape: Qwen2VLShape = SEEING_SHAPE
    min_pixels: int = 56 * 56
    max_pixels: int = 224 * 224

    def __post_init__(self) -> None:
        if isinstance(self.shape, dict):  # read back from a train_config.json
            object.__setattr__(self, "shape", Qwen2VLShape(**self.shape))

    @classmethod
    def sized(cls, vocab_size: int, **shape: int) -> SeeingConfig:
        """`SEEING_SHAPE` with some sizes changed (tests make smaller ones)."""
        return cls(vocab_size, dataclasses.replace(SEEING_SHAPE, **shape))


def train_tokenizer(corpus: Iterable[str], vocab_size: int):
    return train_bpe_tokenizer(corpus, vocab_size, SEEING_CHAT_TEMPLATE)


def model_config(tokenizer, cfg: SeeingConfig):
    return qwen2vl_config(tokenizer, cfg.shape)


def make_seeing_qwen2vl(corpus: Iterable[str], cfg: SeeingConfig | None = None, seed: int = 0):
    """(model, processor): a randomly initialised small Qwen2-VL and its processor."""
    from transformers import Qwen2VLImageProcessor, Qwen2VLProcessor, Qwen2VLVideoProcessor

    cfg = cfg or SeeingConfig()
    tokenizer = train_tokenizer(corpus, cfg.vocab_size)
    bounds = {"min_pixels": cfg.min_pixels, "max_pixels": cfg.max_pixels}
    processor = Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessor(**bounds),
        video_processor=Qwen2VLVideoProcessor(**bounds),
        tokenizer=tokenizer,
        chat_template=SEEING_CHAT_TEMPLATE,
    )
    return model_from_processor(processor, cfg, seed), processor


def model_from_processor(processor, cfg: SeeingConfig | None = None, seed: int = 0):
    """A randomly initialised model for `processor`'s tokenizer (seeded)."""
    import torch
    from transformers import GenerationConfig, Qwen2VLForConditionalGeneration

    config = model_config(processor.tokenizer, cfg or SeeingConfig())
    torch.manual_seed(seed)
    model = Qwen2VLForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        bos_token_id=config.text_config.bos_token_id,
        eos_token_id=[config.text_config.eos_token_id, config.text_config.bos_token_id],
        pad_token_id=config.text_config.pad_token_id,
        do_sample=False,
        max_new_tokens=160,
    )
    return model


def save_half(model, processor, out_dir: str | Path) -> Path:
    """Save in float16 (half the bytes; loaders upcast to float32 on CPU)."""
    import torch

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.to(torch.float16).save_pretrained(out)
    model.to(torch.float32)
    processor.save_pretrained(out)
    return out
