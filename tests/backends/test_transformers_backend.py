"""The embedded backend with the tiny Qwen2-VL: batched generation, special tokens stripped,
one bad request fails alone, and the event loop keeps running while the model generates."""

from __future__ import annotations

import asyncio

import pytest

from ouro_toolkit.backends.transformers_backend import TransformersBackend
from tests.helpers.vlm_requests import image_request


@pytest.fixture(scope="module")
def backend(tiny_model_dir):
    return TransformersBackend(str(tiny_model_dir), batch_size=2, max_pixels=28 * 28 * 16)


def test_batched_generation_with_images(backend, photos):
    requests = [image_request(f"Describe part {i}.", [im]) for i, im in enumerate(photos.values())]
    requests.append(image_request("Compare.", [photos["coffee"], photos["rocket"]]))
    before = backend.stats.batches
    results = asyncio.run(backend.generate(requests))
    assert all(r.ok for r in results), [r.error for r in results]
    assert backend.stats.batches - before == 3  # 5 requests, batches of 2
    for r in results:
        assert r.text is not None and "<|" not in r.text  # special tokens stripped
    assert backend._processor.tokenizer.padding_side == "left"


def test_batched_answers_match_single_answers(backend, photos):
    requests = [image_request(f"Region {i}.", [im]) for i, im in enumerate(photos.values())]
    batched = asyncio.run(backend.generate(requests))
    single = [asyncio.run(backend.generate([r]))[0] for r in requests]
    # Left padding with an attention mask must not change a greedy answer's first tokens.
    assert [b.text[:4] for b in batched] == [s.text[:4] for s in single]


def test_bad_request_fails_alone(backend, photos):
    good = image_request("Describe.", [photos["chelsea"]])
    bad = image_request("Describe.", [photos["chelsea"]])
    bad.messages[0]["content"][0]["image"] = "not-an-image.png"  # a caller's bug
    results = asyncio.run(backend.generate([good, bad, good]))
    assert results[0].ok and results[2].ok
    assert not results[1].ok and "transformers generation failed" in results[1].error


def test_json_request_gets_instruction_and_tolerant_parse(backend, photos):
    schema = {"type": "object", "properties": {"label": {"type": "string"}}}
    [result] = asyncio.run(
        backend.generate([image_request("Name it.", [photos["coffee"]], json_schema=schema)])
    )
    assert result.text is not None and "not the JSON asked for" in result.error  # random model


def test_generation_does_not_block_event_loop(backend, photos):
    requests = [
        image_request(f"Region {i}.", [photos["astronaut"]], max_new_tokens=24) for i in range(4)
    ]

    async def go():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        await backend.generate(requests)
        task.cancel()
        return ticks

    assert asyncio.run(go()) > 5


def test_missing_model_gives_clear_error_per_request(tmp_path):
    backend = TransformersBackend(str(tmp_path / "no-such-model"))
    results = asyncio.run(backend.generate([image_request("x", [])] * 2))
    assert all(not r.ok and "could not load model" in r.error for r in results)


def test_max_pixels_bounds_image_tokens(tiny_model_dir, photos):
    small = TransformersBackend(str(tiny_model_dir), max_pixels=28 * 28 * 4)
    small.load()
    inputs = small._processor(
        text=["<|vision_start|><|image_pad|><|vision_end|>"],
        images=[photos["astronaut"].resize((640, 480))],
        size=small._image_size,
        return_tensors="pt",
    )
    h, w = inputs["image_grid_thw"][0, 1:].tolist()
    # 640x480 over max_pixels 3136: both sides / sqrt(640*480/3136) = 9.9, floored to multiples
    # of 28 (patch 14, merge 2): 56x28 pixels, 4x2 patches, within the bound.
    assert (h, w) == (2, 4) and h * w * 14 * 14 <= 28 * 28 * 4


def test_peft_adapter_is_loaded_and_changes_answers(tiny_model_dir, tmp_path, photos):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForImageTextToText

    base = AutoModelForImageTextToText.from_pretrained(tiny_model_dir)
    lora = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)  # non-zero
    get_peft_model(base, lora).save_pretrained(tmp_path / "adapter")
    request = image_request("Describe.", [photos["coffee"]], max_new_tokens=12)
    plain = asyncio.run(TransformersBackend(str(tiny_model_dir)).generate([request]))[0]
    adapted_backend = TransformersBackend(str(tiny_model_dir), adapter=str(tmp_path / "adapter"))
    adapted = asyncio.run(adapted_backend.generate([request]))[0]
    assert plain.ok and adapted.ok and adapted.text != plain.text
    assert not hasattr(adapted_backend._hf_model, "peft_config")  # merged: plain model speed
    missing = TransformersBackend(str(tiny_model_dir), adapter=str(tmp_path / "no-adapter"))
    [failed] = asyncio.run(missing.generate([request]))
    assert "could not load adapter" in failed.error


def test_threads_option_sets_the_generate_threads_torch_and_keeps_the_answers(
    tiny_model_dir, backend, photos
):
    import torch

    one = TransformersBackend(str(tiny_model_dir), batch_size=2, max_pixels=28 * 28 * 16, threads=1)
    requests = [image_request(f"Region {i}.", [im]) for i, im in enumerate(photos.values())]
    texts = [r.text for r in asyncio.run(one.generate(requests))]
    seen = one._executor.submit(torch.get_num_threads).result()
    assert seen == 1  # the thread that generates runs its matmuls on one thread
    assert texts == [r.text for r in asyncio.run(backend.generate(requests))]


def test_threads_below_one_is_refused(tiny_model_dir):
    with pytest.raises(ValueError, match="threads must be >= 1"):
        TransformersBackend(str(tiny_model_dir), threads=0)


def test_the_request_batch_is_not_the_builds_image_batch(tiny_model_dir, tmp_path):
    from ouro_toolkit.backends.transformers_backend import TransformersBackendConfig
    from ouro_toolkit.pipeline.build import make_backend
    from ouro_toolkit.pipeline.config import BuildConfig

    config = BuildConfig.from_dict(
        {"source": "local", "model": str(tiny_model_dir), "out": str(tmp_path), "batch_size": 4}
    )
    assert config.batch_size == 4  # images annotated together
    backend = make_backend(config)
    assert backend.config.batch_size == TransformersBackendConfig.batch_size == 32
