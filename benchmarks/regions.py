"""Region proposal cost per image, and the tree builder's overhead over the proposer calls alone.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/regions.py [--repeats 3] [--photos 4]
        [--sizes 640x480 1280x960]

For each size (640x480, 1280x960) and each proposer: seconds per full-image call. Then a whole
tree build (objects + ocr) with the proposers' time measured inside the same run: the overhead
ratio is (build time - time inside proposers) / time inside proposers (goal: <= 5%).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# `python benchmarks/NAME.py` puts only benchmarks/ on the path; put the repo root there too, as
# `python -m benchmarks.NAME` does (tests/ and benchmarks/ are not installed packages).
if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image
from skimage import data

from ouro_toolkit.decomposition.decompose import DecomposeConfig, build_region_tree
from ouro_toolkit.proposers import build_proposers
from ouro_toolkit.proposers.base import ProposerUnavailable

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
SIZES = ((640, 480), (1280, 960))


@dataclass
class TimedProposer:
    inner: object
    seconds: float = 0.0
    calls: int = 0
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def propose(self, image):
        start = time.perf_counter()
        try:
            return self.inner.propose(image)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1


def _random_checkpoint() -> str:
    import tempfile

    import torch
    from torchvision.models.detection import fasterrcnn_resnet50_fpn

    path = Path(tempfile.mkdtemp()) / "random_rpn.pth"
    torch.save(fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None).state_dict(), path)
    return str(path)


def image_size(text: str) -> tuple[int, int]:
    """`WxH` (an argparse type) -> (width, height)."""
    width, _, height = text.partition("x")
    return int(width), int(height)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--photos", type=int, default=len(PHOTOS), choices=range(1, len(PHOTOS) + 1),
        help=f"the first N of {', '.join(PHOTOS)}",
    )  # fmt: skip
    parser.add_argument(
        "--sizes", type=image_size, nargs="+", default=list(SIZES), metavar="WxH",
        help="image sizes (default 640x480 1280x960)",
    )  # fmt: skip
    args = parser.parse_args()
    names = ["rpn", "grouping", "ocr", "layout"]
    rpn_weights = "DEFAULT"
    try:
        build_proposers(["rpn"])
    except ProposerUnavailable:
        rpn_weights = _random_checkpoint()
        print(
            "rpn: no pretrained weights here; timed with random weights (cost only, boxes meaningless)"
        )
    for size in args.sizes:
        images = [
            Image.fromarray(getattr(data, p)()).convert("RGB").resize(size)
            for p in PHOTOS[: args.photos]
        ]
        print(f"\n== {size[0]}x{size[1]}, {len(images)} photos x {args.repeats} repeats ==")
        for name in names:
            (proposer,) = build_proposers([name], rpn_weights=rpn_weights)
            proposer.propose(images[0])  # warm-up (session creation, first-call allocations)
            start = time.perf_counter()
            for _ in range(args.repeats):
                for image in images:
                    proposer.propose(image)
            per_image = (time.perf_counter() - start) / (args.repeats * len(images))
            print(f"{name:>9}: {per_image * 1000:8.1f} ms / image (one call on the full image)")
        timed = [TimedProposer(p) for p in build_proposers(["objects", "ocr"])]
        nodes = 0
        start = time.perf_counter()
        for _ in range(args.repeats):
            for image in images:
                nodes += len(build_region_tree(image, timed, DecomposeConfig()).nodes)
        total = time.perf_counter() - start
        inside = sum(t.seconds for t in timed)
        calls = sum(t.calls for t in timed)
        print(
            f"tree build (objects+ocr): {total / (args.repeats * len(images)):.3f} s / image, "
            f"{nodes / (args.repeats * len(images)):.1f} nodes, {calls} proposer calls; "
            f"builder overhead = {(total - inside) / inside * 100:.2f}% of proposer time"
        )


if __name__ == "__main__":
    main()
