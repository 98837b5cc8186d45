"""M0's training loop: a documented plain PyTorch loop (not TRL), seeded, answer-only loss.

Why not TRL's SFTTrainer here: M0 is trained from random weights on samples drawn on the fly
from an endless, seeded scene stream with four roles mixed per step; a hand-built batch keeps
every sample's prompt byte-identical to the pipeline's request and puts loss on the answer
tokens (and the closing `<|im_end|>`) only. (M1, the LoRA on OURO data, uses the project's TRL
recipe.) The loop resumes from its last checkpoint, logs JSON lines, and measures crop accuracy
(colour, shape name, label) on held-out scenes as it goes.
"""

from __future__ import annotations

import json
import logging
import math
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ouro_toolkit.backends.messages import chat_prompt
from ouro_toolkit.experiment.base_model.roles import ROLES, RoleSampler, Sample, corpus, image_of
from ouro_toolkit.models.seeing import SeeingConfig

log = logging.getLogger(__name__)
IGNORE = -100
# Held-out scenes: far from the training seeds, so no crop of them is ever trained on.
HELDOUT_FIRST_SEED = 9_000_000


@dataclass
class BaseModelConfig:
    seed: int = 0
    steps: int = 800
    batch_size: int = 8
    lr: float = 5e-4
    min_lr_ratio: float = 0.1
    warmup: int = 50
    weight_decay: float = 0.01
    # Share of steps per role; crops dominate because they are what the pipeline asks most.
    # Short answers about whole scenes ("What colour is the star?") are what teaches M0 to find
    # objects in a whole scene once its caption names only one (`scene_caption`).
    role_weights: dict[str, float] = field(
        default_factory=lambda: {"crop": 0.5, "scene": 0.08, "qa": 0.22, "answer": 0.2}
    )
    # What M0 says of a whole scene (`roles.CAPTION_STYLES`): "salient", its biggest object.
    scene_caption: str = "salient"
    train_scenes: int = 1_000_000
    eval_every: int = 100
    eval_crops: int = 32
    tokenizer_samples: int = 300
    threads: int = 2
    architecture: SeeingConfig = field(default_factory=SeeingConfig)
    # White pixels around every region crop, at training and (through the model folder's
    # `ouro.json`) at inference; 0: none.
    crop_border: int = 0
    # Crop role: one object of a kind drawn uniformly among the scene's kinds.
    balanced_crops: bool = True
    # Vision-first pretraining of the tower with shape/colour heads (vision.py); 0: none.
    vision_steps: int = 500
    vision_batch: int = 32
    vision_lr: float = 1e-3
    # The tower's learning rate in the main loop, as a share of `lr`: the random language
    # model's first gradients would otherwise undo what pretraining taught it.
    vision_lr_scale: float = 0.2


def encode(sample: Sample, processor) -> dict[str, Any]:
    """Prompt (as the backend renders it) + answer + <|im_end|>; labels only on the answer."""
    prompt = chat_prompt(processor, sample.messages)
    images = [im.convert("RGB") for im in image_of(sample)]
    inputs = processor(text=[prompt], images=images or None, return_tensors="pt")
    tok = processor.tokenizer
    answer_ids = tok(sample.answer + "<|im_end|>", add_special_tokens=False)["input_ids"]
    prompt_ids = inputs["input_ids"][0].tolist()
    return {
        "input_ids": prompt_ids + answer_ids,
        "labels": [IGNORE] * len(prompt_ids) + answer_ids,
        "pixel_values": inputs.get("pixel_values"),
        "image_grid_thw": inputs.get("image_grid_thw"),
    }


def collate(encoded: list[dict[str, Any]], pad_id: int, image_token_id: int) -> dict[str, Any]:
    import torch

    width = max(len(e["input_ids"]) for e in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    labels = torch.full((len(encoded), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for i, e in enumerate(encoded):
        n = len(e["input_ids"])
        ids[i, :n] = torch.tensor(e["input_ids"])
        labels[i, :n] = torch.tensor(e["labels"])
        mask[i, :n] = 1
    batch = {"input_ids": ids, "labels": labels, "attention_mask": mask}
    # transformers 5.x needs the token-type map of image tokens when batches are built by hand.
    batch["mm_token_type_ids"] = (ids == image_token_id).long()
    pixels = [e["pixel_values"] for e in encoded if e["pixel_values"] is not None]
    if pixels:
        batch["pixel_values"] = torch.cat(pixels)
        batch["image_grid_thw"] = torch.cat(
            [e["image_grid_thw"] for e in encoded if e["image_grid_thw"] is not None]
        )
    return batch


def lr_at(step: int, cfg: BaseModelConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    floor = cfg.min_lr_ratio
    return cfg.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def role_schedule(cfg: BaseModelConfig) -> list[str]:
    """One role per step, in a seeded order that meets the weights exactly."""
    rng = random.Random(cfg.seed)
    total = sum(cfg.role_weights.values())
    roles = [
        role for role in ROLES for _ in range(round(cfg.steps * cfg.role_weights[role] / total))
    ]
    roles = (roles + ["crop"] * cfg.steps)[: cfg.steps]
    rng.shuffle(roles)
    return roles


def generate(model, processor, samples: list[Sample], max_new_tokens: int) -> list[str]:
    import torch

    processor.tokenizer.padding_side = "left"
    prompts = [chat_prompt(processor, s.messages) for s in samples]
    images = [im.convert("RGB") for s in samples for im in image_of(s)]
    inputs = processor(text=prompts, images=images or None, padding=True, return_tensors="pt")
    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    return processor.batch_decode(out[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True)


def heldout_crops(n: int, prompts=None, crop_border: int = 0) -> list[Sample]:
    """`n` crops of held-out scenes, one object each (exact boxes), seeded."""
    sampler = RoleSampler(HELDOUT_FIRST_SEED, 10_000, prompts, crop_border=crop_border)
    rng = random.Random(1234)
    out = []
    while len(out) < n:
        scene = sampler.scene(rng)
        obj = rng.choice(scene.objects)
        out.append(sampler.crop_sample(scene, obj, obj.bbox, ocr=True))
    return out


def crop_accuracy(
    model, processor, samples: list[Sample], batch_size: int = 16
) -> dict[str, float]:
    """Share of crops whose predicted label has the true colour / shape name / exact label."""
    from ouro_toolkit.annotate.annotator import parse_description

    model.eval()
    hits = {"json": 0, "colour": 0, "name": 0, "label": 0}
    coloured = sum(s.truth["name"] != "text" for s in samples)  # words have no colour label
    for start in range(0, len(samples), batch_size):
        chunk = samples[start : start + batch_size]
        for s, text in zip(chunk, generate(model, processor, chunk, 48), strict=True):
            label, description = parse_description(text)
            words = label.lower().split()
            hits["json"] += bool(label)
            hits["colour"] += s.truth["name"] != "text" and s.truth["colour"] in words
            hits["name"] += s.truth["name"] in words or (
                s.truth["name"] == "text" and words[:1] == ["word"]
            )
            hits["label"] += label == s.truth["label"]
    out = {k: v / len(samples) for k, v in hits.items()}
    out["colour"] = hits["colour"] / max(1, coloured)
    return out


def initial_model(out: Path, sampler: RoleSampler, cfg: BaseModelConfig):
    """The random model and its processor; the tokenizer is trained once per run and kept in
    `out/processor`, so a resumed run reads the very vocabulary its checkpoint was trained with."""
    from transformers import AutoProcessor

    from ouro_toolkit.models.seeing import make_seeing_qwen2vl, model_from_processor

    saved = out / "processor"
    if (saved / "tokenizer.json").is_file():
        processor = AutoProcessor.from_pretrained(saved)
        return model_from_processor(processor, cfg.architecture, cfg.seed), processor
    model, processor = make_seeing_qwen2vl(
        corpus(sampler, cfg.tokenizer_samples, cfg.seed + 1), cfg.architecture, seed=cfg.seed
    )
    processor.save_pretrained(saved)
    return model, processor


def train_base_model(out_dir: str | Path, cfg: BaseModelConfig) -> Path:
    import torch

    from ouro_toolkit.models.seeing import save_half

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    sampler = RoleSampler(
        0,
        cfg.train_scenes,
        crop_border=cfg.crop_border,
        balanced_crops=cfg.balanced_crops,
        scene_caption=cfg.scene_caption,
    )
    model, processor = initial_model(out, sampler, cfg)
    optimizer = torch.optim.AdamW(
        param_groups(model, cfg), lr=cfg.lr, weight_decay=cfg.weight_decay
    )
    ckpt, start = out / "checkpoint.pt", 0
    logfile = (out / "train_log.jsonl").open("a")
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = state["step"]
        print(f"resumed at step {start}", file=sys.stderr)
    elif cfg.vision_steps:
        vision_first(model, processor, sampler, cfg, out, logfile)
    schedule = role_schedule(cfg)
    pad_id = processor.tokenizer.pad_token_id
    image_token_id = model.config.image_token_id
    evals = heldout_crops(cfg.eval_crops, crop_border=cfg.crop_border)
    t0, seen = time.time(), 0
    for step in range(start, cfg.steps):
        role = schedule[step]
        rng = random.Random(f"{cfg.seed}:{step}")  # step-keyed: a resumed run draws the same data
        batch = collate(
            [encode(sampler.sample(role, rng), processor) for _ in range(cfg.batch_size)],
            pad_id,
            image_token_id,
        )
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, cfg) * group["scale"]
        model.train()
        loss = model(**batch).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        seen += cfg.batch_size
        record = {"step": step + 1, "role": role, "loss": round(loss.item(), 4)}
        if (step + 1) % 10 == 0:
            record["samples_per_s"] = round(seen / (time.time() - t0), 2)
            record["lr"] = lr_at(step, cfg)
        if (step + 1) % cfg.eval_every == 0 or step + 1 == cfg.steps:
            record["crop_accuracy"] = crop_accuracy(model, processor, evals)
            torch.save(
                {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "step": step + 1,
                },
                ckpt.with_suffix(".tmp"),
            )
            ckpt.with_suffix(".tmp").replace(ckpt)
        logfile.write(json.dumps(record) + "\n")
        logfile.flush()
        if "samples_per_s" in record or "crop_accuracy" in record:
            print(json.dumps(record), file=sys.stderr, flush=True)
    model_dir = save_half(model.eval(), processor, out / "model")
    (out / "train_config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
    write_ouro_settings(model_dir, cfg)
    return model_dir


def param_groups(model, cfg: BaseModelConfig) -> list[dict[str, Any]]:
    """The vision tower at `vision_lr_scale` of the learning rate, the rest at 1."""
    tower = {id(p) for p in model.model.visual.parameters()}
    rest = [p for p in model.parameters() if id(p) not in tower]
    scale = cfg.vision_lr_scale if cfg.vision_steps else 1.0
    return [
        {"params": rest, "scale": 1.0},
        {"params": list(model.model.visual.parameters()), "scale": scale},
    ]


def write_ouro_settings(model_dir: Path, cfg: BaseModelConfig) -> None:
    """How the annotator must call this model (read by `annotate.model_settings`)."""
    from ouro_toolkit.annotate.model_settings import SETTINGS_FILE

    (model_dir / SETTINGS_FILE).write_text(json.dumps({"crop_border": cfg.crop_border}) + "\n")


def vision_first(model, processor, sampler: RoleSampler, cfg: BaseModelConfig, out: Path, logfile):
    """The tower pretrained alone (vision.py), once per run: kept in `vision.pt` so a run
    interrupted before its first checkpoint does not pretrain again."""
    import torch

    from ouro_toolkit.experiment.base_model.vision import pretrain_vision

    saved = out / "vision.pt"
    if saved.exists():
        model.model.visual.load_state_dict(torch.load(saved, weights_only=True))
        return
    records = pretrain_vision(
        model, processor, sampler, cfg.vision_steps, cfg.vision_batch, cfg.vision_lr, cfg.seed
    )
    for record in records:
        logfile.write(json.dumps(record) + "\n")
    logfile.flush()
    torch.save(model.model.visual.state_dict(), saved.with_suffix(".tmp"))
    saved.with_suffix(".tmp").replace(saved)


def export_checkpoint(run_dir: str | Path, out_dir: str | Path, cfg: BaseModelConfig) -> Path:
    """A loadable model folder from a run's last checkpoint."""
    import torch

    from ouro_toolkit.models.seeing import save_half

    run = Path(run_dir)
    model, processor = initial_model(run, RoleSampler(0, cfg.train_scenes), cfg)
    state = torch.load(run / "checkpoint.pt", weights_only=False)
    model.load_state_dict(state["model"])
    return save_half(model.eval(), processor, out_dir)
