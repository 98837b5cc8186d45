"""The tiny Qwen2-VL loads with the standard Auto classes, generates with an image in the chat,
marks assistant tokens for TRL, and is served by `transformers serve`."""

from __future__ import annotations

import json
import urllib.request

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="module")
def loaded(tiny_model_dir):
    from transformers import AutoModelForImageTextToText, AutoProcessor

    model = AutoModelForImageTextToText.from_pretrained(tiny_model_dir).eval()
    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    return model, processor


def test_tiny_model_is_small_qwen2vl(tiny_model_dir, loaded):
    model, processor = loaded
    assert type(model).__name__ == "Qwen2VLForConditionalGeneration"
    assert type(processor).__name__ == "Qwen2VLProcessor"
    assert processor.video_processor is not None
    assert model.config.text_config.hidden_size == 64
    assert model.config.vision_config.hidden_size == model.config.text_config.hidden_size
    size = sum(p.stat().st_size for p in tiny_model_dir.iterdir())
    assert size < 5_000_000


def test_tiny_model_generates_with_image(loaded):
    model, processor = loaded
    image = Image.fromarray(
        np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    )
    messages = [
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe."}]}
    ]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert "<|vision_start|><|image_pad|><|vision_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")
    inputs = processor(text=[prompt], images=[image], return_tensors="pt")
    assert "pixel_values" in inputs and "image_grid_thw" in inputs
    out = model.generate(**inputs, max_new_tokens=8, do_sample=False)
    assert out.shape[1] > inputs["input_ids"].shape[1]


def test_chat_template_marks_assistant_tokens(loaded):
    _, processor = loaded
    chat = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "A cat."}]
    enc = processor.tokenizer.apply_chat_template(
        chat, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    kept = [t for t, m in zip(enc["input_ids"], enc["assistant_masks"], strict=True) if m]
    # The answer, its closing token and the line break the template writes after it.
    assert processor.tokenizer.decode(kept) == "A cat.<|im_end|>\n"


def test_cli_help_says_text_is_meaningless():
    from click.testing import CliRunner

    from ouro_toolkit.cli.main import cli

    result = CliRunner().invoke(cli, ["tiny-model", "--help"])
    assert result.exit_code == 0
    assert "MEANINGLESS" in result.output and "Qwen/Qwen2-VL-7B-Instruct" in result.output


def test_tiny_server_answers_chat(tiny_server):
    body = {
        "model": tiny_server.model,
        "messages": [{"role": "user", "content": "Say something."}],
        "max_tokens": 4,
    }
    req = urllib.request.Request(
        tiny_server.url + "/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        reply = json.loads(resp.read())
    assert reply["choices"][0]["message"]["role"] == "assistant"
    assert tiny_server.process.poll() is None


def test_cli_writes_model_and_refuses_foreign_folder(tmp_path):
    from click.testing import CliRunner

    from ouro_toolkit.cli.main import cli

    out = tmp_path / "tiny"
    result = CliRunner().invoke(cli, ["tiny-model", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "config.json").exists() and (out / "chat_template.jinja").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["tiny-model", str(busy)])
    assert result.exit_code != 0 and "not empty" in result.output
