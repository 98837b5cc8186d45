"""Score one model variant (M0, or M0 + an adapter) on held-out scenes, exactly.

Two measures, read against each scene's truth with `ouro_toolkit.scenes.matching`:

* QA accuracy: the scene's exact questions (colour, count, sign text, left of, above, inside)
  asked with the short-answer suffix of the VQA benchmarks;
* description object precision / recall / F1: "Describe this image in detail." and the objects
  the reply names, matched to the true objects by name (colour and position reported beside).

The model runs behind the embedded transformers backend, as in `ouro eval`.
"""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from ouro_toolkit.backends.base import SamplingParams, VLMRequest
from ouro_toolkit.evaluation.benchmarks import SHORT
from ouro_toolkit.scenes import generate_scene
from ouro_toolkit.scenes.language import sample_qa
from ouro_toolkit.scenes.matching import answer_is_right, score_description
from ouro_toolkit.training.transform import DESCRIBE_PROMPT

# The scenes source's test split (never built on, never trained on).
TEST_FIRST_SEED = 2_000_000


def _request(image, text: str, max_new_tokens: int) -> VLMRequest:
    return VLMRequest(
        messages=[
            {
                "role": "user",
                "content": [{"type": "image", "image": image}, {"type": "text", "text": text}],
            }
        ],
        sampling=SamplingParams(max_new_tokens=max_new_tokens),
        prompt_version="ouro-experiment-v1",
    )


def test_items(n_scenes: int, qa_per_scene: int) -> list[dict[str, Any]]:
    """The held-out items: per scene one description request and `qa_per_scene` questions."""
    items = []
    for seed in range(TEST_FIRST_SEED, TEST_FIRST_SEED + n_scenes):
        scene = generate_scene(seed)
        items.append({"scene": scene, "kind": "describe", "text": DESCRIBE_PROMPT})
        for pair in sample_qa(scene, qa_per_scene, random.Random(seed)):
            items.append(
                {
                    "scene": scene,
                    "kind": pair["kind"],
                    "text": pair["question"] + SHORT,
                    "answer": pair["answer"],
                }
            )
    return items


def score_items(items: list[dict[str, Any]], replies: list[str | None]) -> dict[str, Any]:
    qa_right, qa_total, by_kind = 0, 0, {}
    named = mentions = objects = colours = 0
    samples = []
    for item, reply in zip(items, replies, strict=True):
        text = reply or ""
        if item["kind"] == "describe":
            s = score_description(item["scene"], text)
            named, mentions, objects = named + s.named, mentions + s.mentions, objects + s.objects
            colours += s.right_colour
            samples.append({"scene": item["scene"].id, "kind": "describe", "reply": text})
            continue
        right = answer_is_right(item["kind"], item["answer"], text)
        qa_right, qa_total = qa_right + right, qa_total + 1
        hit, n = by_kind.get(item["kind"], (0, 0))
        by_kind[item["kind"]] = (hit + right, n + 1)
        samples.append(
            {
                "scene": item["scene"].id,
                "kind": item["kind"],
                "question": item["text"],
                "answer": item["answer"],
                "reply": text,
                "right": right,
            }
        )
    p = named / mentions if mentions else 0.0
    r = named / objects if objects else 0.0
    return {
        "qa_accuracy": qa_right / qa_total if qa_total else 0.0,
        "qa_by_kind": {k: hit / n for k, (hit, n) in sorted(by_kind.items())},
        "description_precision": p,
        "description_recall": r,
        "description_f1": 2 * p * r / (p + r) if p + r else 0.0,
        "description_colour_recall": colours / objects if objects else 0.0,
        "qa_items": qa_total,
        "scenes": sum(i["kind"] == "describe" for i in items),
        "samples": samples,
    }


async def _replies(backend, items, max_new_tokens: int, progress: bool, label: str) -> list:
    replies: list[str | None] = []
    chunk = 16
    bar = tqdm(total=len(items), desc=f"eval {label}", disable=not progress, leave=False)
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        requests = [
            _request(i["scene"].image, i["text"], max_new_tokens if i["kind"] == "describe" else 16)
            for i in part
        ]
        replies += [r.text for r in await backend.generate(requests)]
        bar.update(len(part))
    bar.close()
    await backend.aclose()
    return replies


def evaluate_variant(
    model: str,
    adapter: str | None,
    items: list[dict[str, Any]],
    out_file: Path,
    *,
    batch_size: int = 16,
    max_new_tokens: int = 200,
    progress: bool = True,
) -> dict[str, Any]:
    """Scores of `model` (+ `adapter`) on `items`, cached in `out_file` (a rerun reads it)."""
    if out_file.is_file():
        return json.loads(out_file.read_text())
    from ouro_toolkit.backends.transformers_backend import TransformersBackend

    backend = TransformersBackend(model, batch_size=batch_size, adapter=adapter)
    label = Path(adapter).name if adapter else "M0"
    replies = asyncio.run(_replies(backend, items, max_new_tokens, progress, label))
    result = {"model": model, "adapter": adapter, **score_items(items, replies)}
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(out_file)
    return result
