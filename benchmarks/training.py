"""Training: TRL's loop against a bare PEFT loop, the collator old vs new, and the input path.

    python benchmarks/training.py [--rows 16] [--steps 16] [--repeats 3] [--k 5] [--max-pixels 50176]
    python benchmarks/training.py --only loop      # just section 1 (also: collator, feed, tokens)

Everything runs the tiny Qwen2-VL on the CPU, side by side in one run, alternating (the order
rotates every repeat) so machine noise hits every contender alike; medians are the figures.

1. Loop (samples/s, steady state: from the end of step 1 to the end of the last step):
   * TRL, TRL's collator: SFTTrainer + PEFT LoRA as TRL sets it up by itself;
   * TRL, list-mask collator: the same with `ListMaskVisionCollator`, what `run_training` uses;
   * bare PEFT: `get_peft_model` + AdamW + the same linear schedule and gradient clipping over
     the very same batches collated beforehand, in the same order, from the same LoRA weights
     (its losses are printed against TRL's: they agree to float noise, so both do the same work).
   All three read the same pre-built conversations (sequential sampling). The goal is TRL with
   the list-mask collator >= 0.9x the bare loop (median).
2. Collator: ms a batch, TRL's `DataCollatorForVisionLanguageModeling` vs
   `ListMaskVisionCollator` on the same examples (and whether their outputs are identical).
3. Feed (samples/s of SFTTrainer): ours (OURO rows -> `prepare_dataset`: every batch decodes the
   photo, cuts k crops and resizes them while training) vs the same conversations and PIL images
   made once beforehand, the cheapest possible feed. The goal is ours / pre-built >= 0.9. With the
   tiny model the step itself costs almost nothing, so both ratios are worst cases: on a 7B model
   the collator and the transform are far smaller shares of a step.
4. Image tokens per sample for k = 0..7 under Qwen2-VL-7B-Instruct's own image processor
   settings (14 px patches, 2x2 merge) and the recipe's max_pixels bound.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# `python benchmarks/NAME.py` puts only benchmarks/ on the path; put the repo root there too, as
# `python -m benchmarks.NAME` does (tests/ and benchmarks/ are not installed packages).
if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def ouro_rows(n: int) -> list[dict]:
    from ouro_toolkit.training.demo_rows import DEMO_NAMES, demo_row

    base = [demo_row(name) for name in DEMO_NAMES]
    rows = []
    for i in range(n):
        row = dict(base[i % len(base)])
        row["id"] = f"{row['id']}-{i}"  # distinct ids -> distinct crop draws
        rows.append(row)
    return rows


def sft_config(out: Path, steps: int, batch: int, workers: int, **overrides):
    from trl import SFTConfig

    settings = {
        "output_dir": str(out),
        "max_steps": steps,
        "per_device_train_batch_size": batch,
        "learning_rate": 1e-4,
        "use_cpu": True,
        "bf16": False,
        "activation_checkpointing": False,
        "assistant_only_loss": True,
        "max_length": None,
        "remove_unused_columns": False,
        "save_strategy": "no",
        "logging_strategy": "no",
        "report_to": "none",
        "disable_tqdm": True,
        "dataloader_num_workers": workers,
        "seed": 0,
    }
    return SFTConfig(**{**settings, **overrides})


def lora_config():
    from peft import LoraConfig

    from ouro_toolkit.training import LANGUAGE_MODEL_LORA_REGEX

    return LoraConfig(r=8, lora_alpha=16, target_modules=LANGUAGE_MODEL_LORA_REGEX)


def make_trainer(model_dir: Path, dataset, config, list_mask: bool = True):
    """SFTTrainer as `run_training` builds it (list_mask) or as TRL alone would (not)."""
    from transformers import AutoModelForImageTextToText, AutoProcessor, PrinterCallback
    from trl import SFTTrainer

    from ouro_toolkit.training.collator import use_list_mask_collator

    trainer = SFTTrainer(
        model=AutoModelForImageTextToText.from_pretrained(model_dir),
        args=config,
        train_dataset=dataset,
        processing_class=AutoProcessor.from_pretrained(model_dir),
        peft_config=lora_config(),
    )
    trainer.remove_callback(PrinterCallback)  # keeps its end-of-run metrics off the tables
    if list_mask:
        use_list_mask_collator(trainer)
    return trainer


def train_samples_per_second(
    model_dir: Path, dataset, out: Path, steps: int, batch: int, workers: int
) -> float:
    trainer = make_trainer(model_dir, dataset, sft_config(out, steps, batch, workers))
    start = time.perf_counter()
    trainer.train()
    return steps * batch / (time.perf_counter() - start)


class PrebuiltLookup:
    """with_transform that returns conversations and PIL images built before training."""

    def __init__(self, samples: list[tuple[list, list]]) -> None:
        self.samples = samples

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        picked = [self.samples[i] for i in batch["index"]]
        return {"messages": [m for m, _ in picked], "images": [im for _, im in picked]}


def prebuilt_samples(args: argparse.Namespace) -> tuple[list[tuple[list, list]], object]:
    """The conversations of `--rows` OURO rows made up front, and a dataset that looks them up."""
    from datasets import Dataset

    from ouro_toolkit.training.transform import OuroTransform

    transform = OuroTransform(k=args.k, max_pixels=args.max_pixels)
    samples = [transform.convert(row) for row in ouro_rows(args.rows)]
    dataset = Dataset.from_dict({"index": list(range(len(samples)))})
    return samples, dataset.with_transform(PrebuiltLookup(samples))


def examples_of(group: list[tuple[list, list]]) -> list[dict]:
    """Collator input, copied: TRL's collator rewrites the messages it is given."""
    import copy

    return [{"messages": copy.deepcopy(m), "images": list(im)} for m, im in group]


def rotated(items: list, repeat: int) -> list:
    """A different contender goes first in every repeat."""
    shift = repeat % len(items)
    return items[shift:] + items[:shift]


def print_table(results: dict[str, list[float]], unit: str) -> dict[str, float]:
    median = {name: statistics.median(values) for name, values in results.items()}
    print(f"{'':<28} {'median':>8}   all runs ({unit})")
    for name, values in results.items():
        print(f"{name:<28} {median[name]:>8.2f}   {', '.join(f'{v:.2f}' for v in values)}")
    return median


def verdict(ratio: float) -> str:
    return "met" if ratio >= 0.9 else "NOT met"


# -- 1. TRL's loop against a bare PEFT loop -------------------------------------------------------


def steady_samples_per_second(step_ends: list[float], batch: int) -> float:
    """From the end of step 1 to the end of the last: set-up and first-step warm-up left out."""
    return (len(step_ends) - 1) * batch / (step_ends[-1] - step_ends[0])


def trl_run(trainer, batch: int) -> tuple[float, list[float]]:
    """Train; samples/s and each step's loss (recorded as tensors: no extra sync per step)."""
    from transformers import TrainerCallback

    ends: list[float] = []
    losses: list = []

    class StepClock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            ends.append(time.perf_counter())

    trainer.add_callback(StepClock())
    step = trainer.training_step

    def training_step(*a, **kw):  # the loss TRL backpropagates, as the bare loop records it
        loss = step(*a, **kw)
        losses.append(loss)
        return loss

    trainer.training_step = training_step
    trainer.train()
    return steady_samples_per_second(ends, batch), [float(v) for v in losses]


def bare_peft_run(model_dir: Path, batches: list[dict], config, lora_init: dict):
    """What SFTTrainer does per step, written out: forward, backward, clip, AdamW, schedule."""
    import torch
    from peft import get_peft_model
    from transformers import AutoModelForImageTextToText, get_linear_schedule_with_warmup

    model = get_peft_model(AutoModelForImageTextToText.from_pretrained(model_dir), lora_config())
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert trainable.keys() == lora_init.keys(), "LoRA parameter names differ from TRL's"
    with torch.no_grad():  # TRL's initial LoRA weights: then the two runs can agree on the losses
        for name, param in trainable.items():
            param.copy_(lora_init[name])
    optimizer = torch.optim.AdamW(
        list(trainable.values()),
        lr=config.learning_rate,
        betas=(config.adam_beta1, config.adam_beta2),
        eps=config.adam_epsilon,
        weight_decay=config.weight_decay,
        fused=str(getattr(config.optim, "value", config.optim)) == "adamw_torch_fused",
    )
    schedule = get_linear_schedule_with_warmup(optimizer, 0, config.max_steps)
    model.train()
    ends, losses = [], []
    for step in range(config.max_steps):
        loss = model(**batches[step % len(batches)]).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(trainable.values()), config.max_grad_norm)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.detach())
        ends.append(time.perf_counter())
    batch = config.per_device_train_batch_size
    return steady_samples_per_second(ends, batch), [float(v) for v in losses]


def loop(args: argparse.Namespace, model_dir: Path, work: Path) -> None:
    samples, dataset = prebuilt_samples(args)
    # Sequential sampling: TRL sees batches [0..b), [b..2b), ... which the bare loop gets pre-built.
    config = sft_config(
        work / "loop", args.steps, args.batch, 0, train_sampling_strategy="sequential"
    )
    stock = make_trainer(model_dir, dataset, config, list_mask=False).data_collator
    groups = [samples[i : i + args.batch] for i in range(0, len(samples), args.batch)]
    batches = [stock(examples_of(group)) for group in groups]

    contenders = ["TRL, TRL's collator", "TRL, list-mask collator", "bare PEFT"]
    results: dict[str, list[float]] = {name: [] for name in contenders}
    losses: dict[str, list[float]] = {}
    for repeat in range(args.repeats):
        for name in rotated(contenders, repeat):
            trainer = make_trainer(model_dir, dataset, config, list_mask="list-mask" in name)
            if name == "bare PEFT":
                lora_init = {
                    n: p.detach().clone()
                    for n, p in trainer.model.named_parameters()
                    if p.requires_grad
                }
                sps, losses[name] = bare_peft_run(model_dir, batches, config, lora_init)
            else:
                sps, losses[name] = trl_run(trainer, args.batch)
            results[name].append(sps)
    print(
        f"\n## Loop: tiny Qwen2-VL, CPU, k={args.k}, max_pixels={args.max_pixels}, batch "
        f"{args.batch}, {args.steps} steps (samples/s over steps 2..{args.steps}), same batches"
    )
    median = print_table(results, "samples/s")
    for name in contenders[:2]:
        ratio = median[name] / median["bare PEFT"]
        print(f"{name} / bare PEFT: {ratio:.2f}x (goal >= 0.9x: {verdict(ratio)})")
    gap = max(
        abs(a - b)
        for name in contenders[:2]
        for a, b in zip(losses[name], losses["bare PEFT"], strict=True)
    )
    print(f"largest loss difference TRL vs bare over all steps (last repeat): {gap:.1e}")


# -- 2. The collator alone ------------------------------------------------------------------------


def collator(args: argparse.Namespace, model_dir: Path) -> None:
    import torch
    from transformers import AutoProcessor
    from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

    from ouro_toolkit.training.collator import ListMaskVisionCollator

    samples, _ = prebuilt_samples(args)
    stock = DataCollatorForVisionLanguageModeling(
        AutoProcessor.from_pretrained(model_dir), assistant_only_loss=True
    )
    collators = {"TRL": stock, "list-mask": ListMaskVisionCollator.like(stock)}
    groups = [samples[i : i + args.batch] for i in range(0, len(samples), args.batch)]
    times: dict[str, list[float]] = {name: [] for name in collators}
    identical = True
    for repeat in range(args.repeats):
        for group in groups:
            out = {}
            for name in rotated(list(collators), repeat):
                examples = examples_of(group)
                start = time.perf_counter()
                out[name] = collators[name](examples)
                times[name].append((time.perf_counter() - start) * 1000)
            theirs, ours = out["TRL"], out["list-mask"]
            identical &= theirs.keys() == ours.keys() and all(
                torch.equal(theirs[key], ours[key]) for key in theirs
            )
    tokens = int(batches_tokens(samples, stock, args.batch))
    print(
        f"\n## Collator: ms a batch of {args.batch} (k={args.k}, ~{tokens} tokens a batch), "
        f"{len(groups)} batches x {args.repeats} repeats"
    )
    median = print_table(times, "ms")
    print(
        f"list-mask is {median['TRL'] / median['list-mask']:.1f}x faster; outputs identical "
        f"(input_ids, attention_mask, labels, pixel_values, image_grid_thw, ...): {identical}"
    )


def batches_tokens(samples: list, stock, batch: int) -> float:
    first = stock(examples_of(samples[:batch]))
    return float(first["input_ids"].numel())


# -- 3. The input path: lazy OURO transform vs pre-built conversations ---------------------------


def feed(args: argparse.Namespace, model_dir: Path, work: Path) -> None:
    from datasets import Dataset

    from ouro_toolkit.schema import OURO_FEATURES
    from ouro_toolkit.training.data import prepare_dataset
    from ouro_toolkit.training.transform import OuroTransform

    transform = OuroTransform(k=args.k, max_pixels=args.max_pixels)
    rows = Dataset.from_list(ouro_rows(args.rows), features=OURO_FEATURES)
    ours = prepare_dataset(rows, transform)
    _, prebuilt = prebuilt_samples(args)

    results: dict[str, list[float]] = {"ours": [], "pre-built": []}
    feeds = {"ours": ours, "pre-built": prebuilt}
    for repeat in range(args.repeats):
        for name in rotated(list(feeds), repeat):
            sps = train_samples_per_second(
                model_dir,
                feeds[name],
                work / f"{name}{repeat}",
                args.steps,
                args.batch,
                args.workers,
            )
            results[name].append(sps)
    print(
        f"\n## Feed: tiny Qwen2-VL, CPU, k={args.k}, max_pixels={args.max_pixels}, "
        f"batch {args.batch}, {args.workers} dataloader workers (samples/s of the whole train())"
    )
    median = print_table(results, "samples/s")
    ratio = median["ours"] / median["pre-built"]  # medians: one slow run moves a best-of far
    print(f"ratio ours / pre-built: {ratio:.2f}x (goal >= 0.9x on the median: {verdict(ratio)})")

    # The same comparison without the model: what a batch of rows costs to read, per row.
    def per_row_ms(dataset) -> float:
        start = time.perf_counter()
        for first in range(0, len(dataset) - args.batch + 1, args.batch):
            dataset.__getitems__(list(range(first, first + args.batch)))
        return (time.perf_counter() - start) / (len(dataset) // args.batch * args.batch) * 1000

    lazy, looked_up = per_row_ms(ours), per_row_ms(prebuilt)
    print(
        f"input cost per row: ours {lazy:.1f} ms (Parquet read + image decode + crops + resize), "
        f"pre-built {looked_up:.2f} ms; a training step of {args.batch} rows took "
        f"{args.batch / median['pre-built'] * 1000:.0f} ms (median, pre-built)"
    )


# -- 4. Image tokens per sample -------------------------------------------------------------------


def image_tokens(args: argparse.Namespace) -> None:
    from transformers import Qwen2VLImageProcessor

    from ouro_toolkit.training.transform import OuroTransform

    # Qwen2-VL-7B-Instruct's preprocessor_config: 14 px patches, 2x2 merge, these pixel bounds.
    processor = Qwen2VLImageProcessor(
        min_pixels=3136, max_pixels=12_845_056, patch_size=14, merge_size=2
    )
    rows = ouro_rows(4)
    print(
        f"\n## Image tokens per sample (Qwen2-VL-7B image processor, max_pixels={args.token_max_pixels})"
    )
    print(f"{'k':>3} {'images':>7} {'mean tokens':>12} {'max tokens':>11}")
    for k in range(8):
        transform = OuroTransform(k=k, max_pixels=args.token_max_pixels)
        counts, images_per = [], []
        for row in rows:
            _, images = transform.convert(row)
            grid = processor(images=images, return_tensors="pt")["image_grid_thw"]
            counts.append(int(grid.prod(dim=1).sum()) // 4)  # merged 2x2 patches = LLM tokens
            images_per.append(len(images))
        print(
            f"{k:>3} {statistics.mean(images_per):>7.2f} {statistics.mean(counts):>12.0f} {max(counts):>11}"
        )
    print(
        "(rows with fewer usable regions than k show all of theirs: the mean image count can be < k+1)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=16)
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument(
        "--max-pixels", type=int, default=50_176, help="transform bound for the throughput run"
    )
    parser.add_argument(
        "--token-max-pixels", type=int, default=262_144, help="bound for the token table"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--only", choices=["loop", "collator", "feed", "tokens"], help="run one section only"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="dataloader workers (0: data prepared in the training process, the worst case; the "
        "GPU recipes use 4, which overlaps it with the step)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    import transformers

    transformers.logging.set_verbosity_error()
    from ouro_toolkit.models.tiny import make_tiny_qwen2vl

    print(f"load average at start: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = make_tiny_qwen2vl(Path(tmp) / "tiny")
        if args.only in (None, "loop"):
            loop(args, model_dir, Path(tmp))
        if args.only in (None, "collator"):
            collator(args, model_dir)
        if args.only in (None, "feed"):
            feed(args, model_dir, Path(tmp))
    if args.only in (None, "tokens"):
        image_tokens(args)
    print(f"load average at end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
