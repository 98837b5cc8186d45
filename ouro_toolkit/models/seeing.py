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

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ouro_toolkit.models.tiny import CHAT_TEMPLATE, SPECIAL_TOKENS

# The tiny template minus its default system prompt block.
_SYSTEM_BLOCK = (
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}"
)
SEEING_CHAT_TEMPLATE = CHAT_TEMPLATE.replace(_SYSTEM_BLOCK, "")


@dataclass(frozen=True)
class SeeingConfig:
    vocab_size: int = 1024
    hidden: int = 256
    layers: int = 4
    heads: int = 4
    kv_heads: int = 2
    intermediate: int = 512
    vision_depth: int = 4
    vision_embed: int = 128
    vision_heads: int = 4
    min_pixels: int = 56 * 56
    max_pixels: int = 224 * 224


def train_tokenizer(corpus: Iterable[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte stays encodable
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        additional_special_tokens=SPECIAL_TOKENS[1:],
        model_max_length=32768,
        padding_side="left",
        chat_template=SEEING_CHAT_TEMPLATE,
    )


def model_config(tokenizer, cfg: SeeingConfig):
    from transformers import Qwen2VLConfig

    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    head_dim = cfg.hidden // cfg.heads
    half = head_dim // 2  # mrope sections (temporal, height, width) must sum to head_dim / 2
    section = [half - 2 * (3 * half // 8), 3 * half // 8, 3 * half // 8]
    text_config = {
        "vocab_size": len(tokenizer),
        "hidden_size": cfg.hidden,
        "intermediate_size": cfg.intermediate,
        "num_hidden_layers": cfg.layers,
        "num_attention_heads": cfg.heads,
        "num_key_value_heads": cfg.kv_heads,
        "max_position_embeddings": 4096,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 10_000.0,
            "mrope_section": section,
        },
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
    }
    vision_config = {
        "depth": cfg.vision_depth,
        "embed_dim": cfg.vision_embed,
        "hidden_size": cfg.hidden,
        "num_heads": cfg.vision_heads,
        "mlp_ratio": 2,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
    }
    return Qwen2VLConfig(
        text_config=text_config,
        vision_config=vision_config,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
    )


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
