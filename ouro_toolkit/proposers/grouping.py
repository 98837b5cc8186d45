"""Object proposals that need no weights: multi-scale felzenszwalb segments, scored and NMS-filtered.

This is the offline stand-in for the RPN (in the spirit of selective search): each segment of a
graph-based segmentation at several scales becomes a box, scored by how well it stands out from
its surroundings and how much of its box it fills.

`propose` segments one crop (the per-crop path); `for_image` segments the whole image once, with
the very call the per-crop path makes for the root, and answers every nested region with the
segments lying inside it. A segment's score depends only on the segment and its own box, so it
is the same whichever region asks. (Finer or extra segmentations of the whole image were tried:
at 1.5-5x the cost they matched the per-crop trees less well, see benchmarks/proposal_paths.py.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ouro_toolkit.proposers.base import Proposal
from ouro_toolkit.regions.box import Box


@dataclass
class GroupingProposer:
    scales: tuple[int, ...] = (100, 300, 800)
    # Each scale segments a downscaled copy with this longest side: proposals need shapes, not
    # detail, and a coarse scale's segments are big. Against one 256 px copy for all three, these
    # sides find as many true objects on the ground-truth scenes, more precisely, at 0.78x the CPU
    # (benchmarks/quality.py, benchmarks/proposal_paths.py).
    work_sides: tuple[int, ...] = (256, 192, 160)
    min_area_fraction: float = 0.01
    max_area_fraction: float = 0.9
    nms_iou: float = 0.6
    max_proposals: int = 30
    name: str = "grouping"

    def __post_init__(self) -> None:
        if len(self.work_sides) != len(self.scales):
            raise ValueError(
                f"GroupingProposer needs one work side per scale: scales {self.scales}, "
                f"work_sides {self.work_sides}"
            )

    def propose(self, image: Image.Image) -> list[Proposal]:
        boxes, scores = _scored_segments(image, self.scales, self.work_sides)
        total = float(image.width * image.height)
        return self._pick(boxes, scores, total)

    def for_image(self, image: Image.Image) -> SegmentIndex:
        boxes, scores = _scored_segments(image, self.scales, self.work_sides)
        return SegmentIndex(self, boxes, scores)

    def _pick(self, boxes: np.ndarray, scores: np.ndarray, total: float) -> list[Proposal]:
        fraction = _areas(boxes) / max(total, 1.0)
        ok = (fraction >= self.min_area_fraction) & (fraction <= self.max_area_fraction)
        boxes, scores = boxes[ok], scores[ok]
        keep = capped_nms(boxes, scores, self.nms_iou, self.max_proposals)
        return [
            Proposal(tuple(float(v) for v in boxes[i]), float(scores[i]), self.name) for i in keep
        ]


@dataclass
class SegmentIndex:
    """One image's segments; `within(box)` gives the proposals a crop of `box` would get."""

    proposer: GroupingProposer
    boxes: np.ndarray  # (N, 4) full-image pixels
    scores: np.ndarray  # (N,)

    def within(self, box: Box) -> list[Proposal]:
        x0, y0, x1, y1 = box
        b = self.boxes
        inter = np.clip(np.minimum(b[:, 2], x1) - np.maximum(b[:, 0], x0), 0, None) * np.clip(
            np.minimum(b[:, 3], y1) - np.maximum(b[:, 1], y0), 0, None
        )
        inside = inter >= 0.8 * np.maximum(_areas(b), 1e-6)
        clipped = np.stack(
            [
                np.maximum(b[inside, 0], x0),
                np.maximum(b[inside, 1], y0),
                np.minimum(b[inside, 2], x1),
                np.minimum(b[inside, 3], y1),
            ],
            axis=1,
        )
        total = (x1 - x0) * (y1 - y0)
        return self.proposer._pick(clipped, self.scores[inside], total)


def _areas(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def capped_nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, cap: int) -> list[int]:
    """Greedy NMS, highest score first (ties by index), stopping once `cap` boxes are kept."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    areas = _areas(boxes)
    kept: list[int] = []
    for i in order:
        if len(kept) >= cap:
            break
        if kept:
            k = boxes[kept]
            w = np.clip(
                np.minimum(k[:, 2], boxes[i, 2]) - np.maximum(k[:, 0], boxes[i, 0]), 0, None
            )
            h = np.clip(
                np.minimum(k[:, 3], boxes[i, 3]) - np.maximum(k[:, 1], boxes[i, 1]), 0, None
            )
            inter = w * h
            union = areas[kept] + areas[i] - inter
            if np.any(inter > iou_threshold * np.maximum(union, 1e-9)):
                continue
        kept.append(int(i))
    return kept


def _scored_segments(
    image: Image.Image, scales: tuple[int, ...], work_sides: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (in `image` pixels) and scores of every segment at every scale."""
    from skimage.segmentation import felzenszwalb

    boxes, scores = [], []
    for scale, side in zip(scales, work_sides, strict=True):
        factor = min(1.0, side / max(image.size))
        small = image.resize(
            (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        )
        pixels = np.asarray(small, dtype=np.float32) / 255.0
        segments = felzenszwalb(pixels, scale=scale, sigma=0.8, min_size=max(20, scale // 4))
        seg_boxes, seg_scores = _score_segments(pixels, segments)
        boxes.append(seg_boxes / factor)
        scores.append(seg_scores)
    return np.concatenate(boxes), np.concatenate(scores)


def _score_segments(pixels: np.ndarray, segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Score = half fill (segment pixels / box area), half contrast against the rest of its box.

    Vectorised over segments: per-segment sums come from bincount and each box's pixel sum from
    an integral image, so the cost is a few passes over the pixels whatever the segment count.
    """
    from scipy import ndimage

    height, width = segments.shape
    labels = segments.ravel()
    n = int(labels.max()) + 1
    slices = ndimage.find_objects(segments + 1, max_label=n)
    box = np.array(
        [(s[1].start, s[0].start, s[1].stop, s[0].stop) if s else (0, 0, 0, 0) for s in slices],
        dtype=np.float64,
    )
    count = np.bincount(labels, minlength=n).astype(np.float64)
    flat = pixels.reshape(-1, 3).astype(np.float64)
    sums = np.stack([np.bincount(labels, flat[:, c], minlength=n) for c in range(3)], axis=1)
    integral = np.zeros((height + 1, width + 1, 3))
    integral[1:, 1:] = pixels.astype(np.float64).cumsum(0).cumsum(1)
    x0, y0, x1, y1 = (box[:, k].astype(int) for k in range(4))
    window = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
    box_area = np.maximum((x1 - x0) * (y1 - y0), 1).astype(np.float64)
    inside = sums / np.maximum(count, 1)[:, None]
    rest = box_area - count
    overall = flat.mean(axis=0)
    outside = np.where(
        rest[:, None] > 0, (window - sums) / np.maximum(rest, 1)[:, None], overall[None, :]
    )
    contrast = np.minimum(1.0, np.abs(inside - outside).sum(axis=1) * 2.0)
    fill = count / box_area
    present = count > 0
    return box[present], np.round(0.5 * fill + 0.5 * contrast, 4)[present]
