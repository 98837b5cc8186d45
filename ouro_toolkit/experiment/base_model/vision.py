"""Vision-first pretraining of M0's tower: crops -> shape/name and colour, before any text.

The whole model learns colour in minutes but shape barely (its loss is spread over the answer's
tokens and the tower's gradient is small). The tower alone, with two linear heads on its mean
merged output, runs about 12x faster per sample and learns shape from the start. The heads are
thrown away afterwards; the tower keeps what it learned and the main loop starts from it.
Crops are the crop role's own (jittered object boxes, the same border), so the tower sees at
pretraining exactly the images it sees later.
"""

from __future__ import annotations

import random
import sys
import time
from typing import Any

from ouro_toolkit.experiment.base_model.roles import RoleSampler, image_of
from ouro_toolkit.experiment.base_model.roles import jitter_box as _jitter
from ouro_toolkit.scenes.vocab import COLOURS, COMPOSITES, PART_COLOURS, SHAPES

PARTS = ("petal", "window", "wheel", "cabin", "body", "roof", "wall", "door", "board", "post")
PARTS += ("text", "stem", "head", "centre")
NAMES = (*SHAPES, *COMPOSITES, *PARTS)
COLOUR_NAMES = tuple(dict.fromkeys((*COLOURS, *PART_COLOURS)))


def crop_batch(sampler: RoleSampler, rng: random.Random, n: int):
    """`n` crops of training scenes (one object each, kinds balanced as the sampler's are) and
    their (name, colour) class ids."""
    images, names, colours = [], [], []
    while len(images) < n:
        scene = sampler.scene(rng)
        obj = sampler.pick_object(scene, rng)
        sample = sampler.crop_sample(scene, obj, _jitter(scene, obj, rng), ocr=False)
        images.append(image_of(sample)[0].convert("RGB"))
        names.append(NAMES.index(obj.name) if obj.name in NAMES else 0)
        colours.append(COLOUR_NAMES.index(obj.colour) if obj.colour in COLOUR_NAMES else 0)
    return images, names, colours


class Heads:
    """Two linear heads over the tower's mean merged output."""

    def __init__(self, width: int):
        import torch

        self.name = torch.nn.Linear(width, len(NAMES))
        self.colour = torch.nn.Linear(width, len(COLOUR_NAMES))

    def parameters(self):
        return [*self.name.parameters(), *self.colour.parameters()]

    def logits(self, model, processor, images):
        import torch

        inputs = processor.image_processor(images=images, return_tensors="pt")
        grid = inputs["image_grid_thw"]
        visual = model.model.visual
        merged = visual(inputs["pixel_values"].type(visual.dtype), grid_thw=grid).pooler_output
        sizes = (grid.prod(-1) // visual.spatial_merge_size**2).tolist()
        pooled = torch.stack([chunk.mean(0) for chunk in torch.split(merged, sizes)])
        return self.name(pooled), self.colour(pooled)


def pretrain_vision(
    model, processor, sampler: RoleSampler, steps: int, batch: int, lr: float, seed: int
) -> list[dict[str, Any]]:
    """Train the tower (and throw-away heads) for `steps`; step-keyed data, like the main loop.
    Returns the log records (loss; held-out accuracy every 100 steps and at the end)."""
    import torch

    heads = Heads(model.config.text_config.hidden_size)
    params = [*model.model.visual.parameters(), *heads.parameters()]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    # Same border and balancing as training, but never its scenes.
    heldout_sampler = RoleSampler(
        9_000_000,
        10_000,
        sampler.prompts,
        crop_border=sampler.annotator.crop_border,
        balanced_crops=sampler.balanced_crops,
    )
    heldout = crop_batch(heldout_sampler, random.Random(7), 128)
    records, t0 = [], time.time()
    for step in range(steps):
        rng = random.Random(f"vision:{seed}:{step}")
        images, names, colours = crop_batch(sampler, rng, batch)
        warm = min(1.0, (step + 1) / max(1, steps // 10))
        for group in optimizer.param_groups:
            group["lr"] = lr * warm * (0.1 + 0.9 * 0.5 * (1 + _cos(step / steps)))
        model.train()
        name_logits, colour_logits = heads.logits(model, processor, images)
        loss = torch.nn.functional.cross_entropy(
            name_logits, torch.tensor(names)
        ) + torch.nn.functional.cross_entropy(colour_logits, torch.tensor(colours))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        record: dict[str, Any] = {"vision_step": step + 1, "loss": round(loss.item(), 4)}
        if (step + 1) % 100 == 0 or step + 1 == steps:
            record["samples_per_s"] = round((step + 1) * batch / (time.time() - t0), 1)
            record["heldout"] = head_accuracy(model, processor, heads, heldout)
            print(record, file=sys.stderr, flush=True)
        records.append(record)
    return records


def head_accuracy(model, processor, heads: Heads, heldout) -> dict[str, float]:
    import torch

    images, names, colours = heldout
    model.eval()
    with torch.inference_mode():
        name_logits, colour_logits = heads.logits(model, processor, images)
    name_hit = (name_logits.argmax(-1) == torch.tensor(names)).tolist()
    colour_hit = (colour_logits.argmax(-1) == torch.tensor(colours)).tolist()
    shapes = [h for h, n in zip(name_hit, names, strict=True) if NAMES[n] in SHAPES]
    return {
        "name": round(sum(name_hit) / len(name_hit), 3),
        "free_shape": round(sum(shapes) / max(1, len(shapes)), 3),
        "colour": round(sum(colour_hit) / len(colour_hit), 3),
    }


def _cos(progress: float) -> float:
    import math

    return math.cos(math.pi * min(1.0, progress))
