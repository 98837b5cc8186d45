"""A tiny, randomly initialised Qwen2-VL made entirely offline from configs.

It exists so tests, smoke runs and `make demo` can exercise the real transformers code paths
(processor, chat template, vision tower, generation, TRL training, `transformers serve`) in
seconds on a CPU without downloading anything. Its text is meaningless: real runs use
`Qwen/Qwen2-VL-7B-Instruct` (or `Qwen/Qwen2-VL-2B-Instruct`).

Recipe: text hidden 64, 2 layers, 4 heads / 2 kv heads, `mrope_section`
summing to head_dim / 2; vision depth 2, embed_dim 32, vision `hidden_size` equal to the text
hidden size; a small byte-level BPE trained with `tokenizers` plus the Qwen2-VL special tokens;
the Qwen2-VL chat template with `{% generation %}` markers around assistant turns so TRL's
`assistant_only_loss=True` can find the answer tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REAL_MODEL_IDS = ("Qwen/Qwen2-VL-7B-Instruct", "Qwen/Qwen2-VL-2B-Instruct")

# Same names and order as Qwen2-VL's added tokens; ids follow the trained vocabulary.
SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
]

# Qwen2-VL-Instruct's template, plus `{% generation %}` around assistant content (and its
# closing <|im_end|>, which the model must learn to emit).
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    # Jinja cannot open a block conditionally, so assistant turns (text only) get their own
    # branch. Newlines sit before block tags because transformers renders with trim_blocks.
    "{% if message['role'] == 'assistant' %}{% generation %}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if 'text' in content %}{{ content['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "<|im_end|>\n{% endgeneration %}"
    "{% else %}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}"
    "{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# Small, bounded images keep the vision tower cheap on a CPU (64 merged tokens at most).
TINY_MIN_PIXELS = 28 * 28 * 4
TINY_MAX_PIXELS = 28 * 28 * 64

_CORPUS = """
A photograph of a person standing in a room next to a window. The cat sits on the red chair.
An astronaut in a white suit holds a helmet in front of a flag. Coffee in a white cup on a saucer.
A rocket stands on the launch pad under a blue sky. The page shows printed text in two columns.
Question: what color is the car? Answer: the car is blue. Describe the region in one sentence.
The image shows a street with buildings, trees, people, cars, signs, a dog and a bicycle.
{"label": "cat", "description": "a small grey cat sitting on a chair"} 0 1 2 3 4 5 6 7 8 9
Left, right, top, bottom, above, below, behind, in front of, near, far, large, small, bright.
"""


def train_bpe_tokenizer(corpus: Iterable[str], vocab_size: int, chat_template: str):
    """A byte-level BPE trained on `corpus`, with the Qwen2-VL special tokens and `chat_template`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte encodable
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
        padding_side="left",  # decoder-only batches generate from the right edge
        chat_template=chat_template,
    )


@dataclass(frozen=True)
class Qwen2VLShape:
    """The sizes of a Qwen2-VL made from a config (the tiny test model's by default)."""

    hidden: int = 64
    heads: int = 4
    kv_heads: int = 2
    layers: int = 2
    intermediate: int = 128
    rope_theta: float = 1_000_000.0
    vision_depth: int = 2
    vision_embed: int = 32
    vision_heads: int = 2

    @property
    def mrope_section(self) -> list[int]:
        # (temporal, height, width) sections must sum to head_dim / 2; 16 -> [2, 3, 3].
        half = self.hidden // self.heads // 2
        return [half - 2 * (3 * half // 8), 3 * half // 8, 3 * half // 8]


def qwen2vl_config(tokenizer, shape: Qwen2VLShape):
    from transformers import Qwen2VLConfig

    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    text_config = {
        "vocab_size": len(tokenizer),
        "hidden_size": shape.hidden,
        "intermediate_size": shape.intermediate,
        "num_hidden_layers": shape.layers,
        "num_attention_heads": shape.heads,
        "num_key_value_heads": shape.kv_heads,
        "max_position_embeddings": 4096,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": shape.rope_theta,
            "mrope_section": shape.mrope_section,
        },
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
    }
    vision_config = {
        "depth": shape.vision_depth,
        "embed_dim": shape.vision_embed,
        "hidden_size": shape.hidden,  # vision output feeds the text model directly
        "num_heads": shape.vision_heads,
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


def make_tiny_qwen2vl(out_dir: str | Path, seed: int = 0) -> Path:
    """Write a random tiny Qwen2-VL (model, processor, tokenizer, chat template) to `out_dir`.

    Loadable with `AutoModelForImageTextToText.from_pretrained(out_dir)` and
    `AutoProcessor.from_pretrained(out_dir)`, and servable with `transformers serve`.
    The generated text is meaningless; use a real checkpoint (REAL_MODEL_IDS) for real runs.
    """
    import torch
    from transformers import (
        GenerationConfig,
        Qwen2VLForConditionalGeneration,
        Qwen2VLImageProcessor,
        Qwen2VLProcessor,
        Qwen2VLVideoProcessor,
    )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = train_bpe_tokenizer([_CORPUS] * 4, 512, CHAT_TEMPLATE)
    config = qwen2vl_config(tokenizer, Qwen2VLShape())
    torch.manual_seed(seed)
    model = Qwen2VLForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=config.text_config.bos_token_id,
        eos_token_id=[config.text_config.eos_token_id, config.text_config.bos_token_id],
        pad_token_id=config.text_config.pad_token_id,
        do_sample=False,
        max_new_tokens=32,
    )
    processor = Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessor(
            min_pixels=TINY_MIN_PIXELS, max_pixels=TINY_MAX_PIXELS
        ),
        video_processor=Qwen2VLVideoProcessor(
            min_pixels=TINY_MIN_PIXELS, max_pixels=TINY_MAX_PIXELS
        ),
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE,
    )
    model.save_pretrained(out)
    processor.save_pretrained(out)
    (out / "README.md").write_text(
        "# Tiny random Qwen2-VL (test fixture)\n\n"
        "Randomly initialised; its text output is meaningless. Made by `ouro tiny-model` for tests "
        f"and smoke runs. Real runs use `{REAL_MODEL_IDS[0]}` (or `{REAL_MODEL_IDS[1]}`).\n"
    )
    return out
