"""Fast vs per-crop proposals: what each finds, what each costs, on real photos at 640x480.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/proposal_paths.py [--photos 8] [--size 640x480]

Both paths build the tree of the same photo with the default proposers, one after the other in
the same process, so their CPU-ms compare side by side. Recall of A against B at IoU 0.5: the
share of B's regions (root excluded) that A has a box for. Trees are compared without the region
budget and with it. The noise floor is the recall of per-crop against itself on the same photo
with invisible noise (+-3 grey levels): how much of a tree is stable at all.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

from ouro_toolkit.decomposition.budget import prune_tree
from ouro_toolkit.decomposition.decompose import DecomposeConfig, build_region_tree
from ouro_toolkit.proposers import build_proposers
from ouro_toolkit.regions.box import iou

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.regions import image_size  # noqa: E402
from benchmarks.throughput import PHOTOS, SIZE  # noqa: E402  (the same photos, one list)


def photos(count: int, size: tuple[int, int] = SIZE) -> list[tuple[str, Image.Image]]:
    names = [PHOTOS[i % len(PHOTOS)] for i in range(count)]
    return [(n, Image.fromarray(getattr(data, n)()).convert("RGB").resize(size)) for n in names]


def recall(found, reference) -> float:
    """Share of `reference` boxes that some box of `found` overlaps at IoU >= 0.5."""
    ref = [n.bbox for n in reference.nodes[1:]]
    got = [n.bbox for n in found.nodes[1:]]
    if not ref:
        return 1.0
    return sum(any(iou(r, g) >= 0.5 for g in got) for r in ref) / len(ref)


def timed_tree(image, proposers, config):
    cpu, wall = time.process_time(), time.perf_counter()
    tree = build_region_tree(image, proposers, config)
    return tree, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="proposer threads (as a worker)")
    parser.add_argument(
        "--size", type=image_size, default=SIZE, metavar="WxH", help="photo size (default 640x480)"
    )
    args = parser.parse_args()
    proposers = build_proposers(None, threads=args.threads)
    print(
        f"proposers: {', '.join(p.name for p in proposers)}; photos at {args.size[0]}x{args.size[1]}"
    )
    fast, per_crop = DecomposeConfig(), DecomposeConfig(proposal_mode="per-crop")
    warm_up = photos(1, args.size)[0][1]
    build_region_tree(warm_up, proposers, fast)  # sessions, first allocations
    totals = {"fast": [0.0, 0], "per-crop": [0.0, 0], "fast (no budget)": [0.0, 0]}
    recalls: dict[str, list[float]] = {k: [] for k in ("nb_f_pc", "nb_pc_f", "b_f_pc", "b_pc_f")}
    print(f"{'photo':>22} {'per-crop':>18} {'fast':>18} {'fast/pc recall':>15} {'pc/fast':>8}")
    for name, image in photos(args.photos, args.size):
        unbounded = 10_000
        pc_tree, pc_cpu, _ = timed_tree(image, proposers, replace(per_crop, max_regions=unbounded))
        f_tree, f_cpu, _ = timed_tree(image, proposers, replace(fast, max_regions=unbounded))
        fb_tree, fb_cpu, _ = timed_tree(image, proposers, fast)
        pcb_tree = prune_tree(pc_tree, per_crop.max_regions)  # what a budgeted build keeps
        pixels = np.asarray(image, dtype=np.int16)
        noise = np.random.default_rng(0).integers(-3, 4, size=pixels.shape)
        noisy = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
        noisy_tree = build_region_tree(noisy, proposers, replace(per_crop, max_regions=unbounded))
        recalls.setdefault("floor", []).append(recall(noisy_tree, pc_tree))
        totals["per-crop"][0] += pc_cpu
        totals["per-crop"][1] += len(pc_tree.nodes)
        totals["fast (no budget)"][0] += f_cpu
        totals["fast (no budget)"][1] += len(f_tree.nodes)
        totals["fast"][0] += fb_cpu
        totals["fast"][1] += len(fb_tree.nodes)
        recalls["nb_f_pc"].append(recall(f_tree, pc_tree))
        recalls["nb_pc_f"].append(recall(pc_tree, f_tree))
        recalls["b_f_pc"].append(recall(fb_tree, pcb_tree))
        recalls["b_pc_f"].append(recall(pcb_tree, fb_tree))
        print(
            f"{name:>22} {len(pc_tree.nodes):4d} reg {pc_cpu * 1000:7.0f} ms "
            f"{len(f_tree.nodes):4d} reg {f_cpu * 1000:7.0f} ms "
            f"{recalls['nb_f_pc'][-1]:15.2f} {recalls['nb_pc_f'][-1]:8.2f}"
        )
    for label, (cpu, regions) in totals.items():
        print(
            f"{label:>17}: {regions / args.photos:5.1f} regions/image, "
            f"{cpu * 1000 / args.photos:7.0f} CPU-ms/image, {cpu * 1000 / max(regions, 1):6.1f} CPU-ms/region"
        )
    mean = {k: sum(v) / len(v) for k, v in recalls.items()}
    print(
        f"box recall at IoU 0.5, no budget: fast finds {mean['nb_f_pc']:.1%} of per-crop's regions, "
        f"per-crop finds {mean['nb_pc_f']:.1%} of fast's"
    )
    print(
        f"box recall at IoU 0.5, default budget ({fast.max_regions}): fast finds {mean['b_f_pc']:.1%} "
        f"of per-crop's regions, per-crop finds {mean['b_pc_f']:.1%} of fast's"
    )
    print(
        f"noise floor: per-crop finds {mean['floor']:.1%} of its own regions on the same photo "
        "with +-3 grey levels of noise"
    )
    print(f"fast vs per-crop CPU per image: {totals['per-crop'][0] / totals['fast'][0]:.1f}x less")


if __name__ == "__main__":
    main()
