"""The seeing Qwen2-VL maker: size, template, a forward pass with a real image."""

from __future__ import annotations

import torch
from PIL import Image

from ouro_toolkit.models.seeing import SEEING_CHAT_TEMPLATE, SeeingConfig, make_seeing_qwen2vl

CORPUS = ['{"label": "red circle", "description": "A red circle."}'] * 20 + [
    "Look at this image region. Describe what colour and shape it has."
] * 20


def test_default_size_is_in_the_small_range():
    model, processor = make_seeing_qwen2vl(CORPUS, SeeingConfig.sized(400))
    params = sum(p.numel() for p in model.parameters())
    assert 2e6 <= params <= 6e6, params
    # Image sides bounded to multiples of 28 so smart_resize keeps them.
    size = processor.image_processor.size
    assert size["shortest_edge"] == 56 * 56 and size["longest_edge"] == 224 * 224


def test_template_has_no_default_system_prompt_and_marks_answers():
    assert "You are a helpful assistant" not in SEEING_CHAT_TEMPLATE
    assert "{% generation %}" in SEEING_CHAT_TEMPLATE
    _, processor = make_seeing_qwen2vl(CORPUS, SeeingConfig.sized(300, layers=1))
    text = processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "hi"}]}],
        add_generation_prompt=True,
        tokenize=False,
    )
    assert text.startswith("<|im_start|>user\n<|vision_start|>") and "system" not in text


def test_forward_pass_on_an_image():
    cfg = SeeingConfig.sized(300, hidden=64, layers=1, intermediate=64, vision_depth=1)
    model, processor = make_seeing_qwen2vl(CORPUS, cfg)
    prompt = processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "hi"}]}],
        add_generation_prompt=True,
        tokenize=False,
    )
    inputs = processor(
        text=[prompt], images=[Image.new("RGB", (112, 84), "red")], return_tensors="pt"
    )
    with torch.no_grad():
        logits = model(**inputs).logits
    assert logits.shape[:2] == inputs["input_ids"].shape and torch.isfinite(logits).all()
