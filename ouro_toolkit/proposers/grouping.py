"""Object proposals that need no weights: multi-scale felzenszwalb segments, scored and NMS-filtered.

This is the offline stand-in for the RPN (in the spirit of selective search): each segment of a
graph-based segmentation at several scales becomes a box, scored by how well it stands out from
its surroundings and how much of its box it fills.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ouro_toolkit.proposers.base import Proposal
from ouro_toolkit.regions.box import nms


@dataclass
class GroupingProposer:
    scales: tuple[int, ...] = (100, 300, 800)
    work_side: int = 256  # segment a downscaled copy: proposals need shapes, not detail
    min_area_fraction: float = 0.01
    max_area_fraction: float = 0.9
    nms_iou: float = 0.6
    max_proposals: int = 30
    name: str = "grouping"

    def propose(self, image: Image.Image) -> list[Proposal]:
        from skimage.segmentation import felzenszwalb

        factor = min(1.0, self.work_side / max(image.size))
        small = image.resize(
            (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        )
        pixels = np.asarray(small, dtype=np.float32) / 255.0
        boxes: list[tuple[float, float, float, float]] = []
        scores: list[float] = []
        for scale in self.scales:
            segments = felzenszwalb(pixels, scale=scale, sigma=0.8, min_size=max(20, scale // 4))
            for box, score in self._score_segments(pixels, segments):
                boxes.append(tuple(v / factor for v in box))
                scores.append(score)
        keep = nms(boxes, scores, self.nms_iou)[: self.max_proposals]
        return [Proposal(boxes[i], scores[i], self.name) for i in keep]

    def _score_segments(self, pixels: np.ndarray, segments: np.ndarray):
        height, width = segments.shape
        total = float(height * width)
        for label in np.unique(segments):
            ys, xs = np.nonzero(segments == label)
            x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
            box_area = float((x1 - x0) * (y1 - y0))
            if not self.min_area_fraction <= box_area / total <= self.max_area_fraction:
                continue
            fill = len(xs) / box_area
            inside = pixels[ys, xs].mean(axis=0)
            window = pixels[y0:y1, x0:x1].reshape(-1, 3)
            mask = (segments[y0:y1, x0:x1] != label).reshape(-1)
            outside = (
                window[mask].mean(axis=0) if mask.any() else pixels.reshape(-1, 3).mean(axis=0)
            )
            contrast = min(1.0, float(np.abs(inside - outside).sum()) * 2.0)
            yield (
                (float(x0), float(y0), float(x1), float(y1)),
                round(0.5 * fill + 0.5 * contrast, 4),
            )
