"""Text-line regions from RapidOCR (its ONNX models ship inside the wheel).

`propose` reads one crop (the per-crop path); `for_image` reads the whole image once at full
resolution and hands each region the lines lying inside it, which costs one OCR pass per image
instead of one per region.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ouro_toolkit.proposers.base import Proposal
from ouro_toolkit.regions.box import Box, box_area, intersection


@dataclass
class OcrProposer:
    name: str = "ocr"
    # onnxruntime threads per session; 0 = its default (all cores). Proposal worker processes
    # use 1 each, since they already run one per core.
    threads: int = 0

    def __post_init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        # Built on first use: each holds three ONNX sessions.
        self._engines: dict[str, RapidOCR] = {}

    def _engine(self, kind: str):
        if kind not in self._engines:
            from rapidocr_onnxruntime import RapidOCR

            threads = {"intra_op_num_threads": self.threads or -1}
            # "crop": RapidOCR's default, which upscales a crop's shorter side to 736 px;
            # "image": the whole image at its own resolution (up to 960 px a side), no upscaling.
            extra = {"det_limit_type": "max"} if kind == "image" else {}
            self._engines[kind] = RapidOCR(**threads, **extra)
        return self._engines[kind]

    def propose(self, image: Image.Image) -> list[Proposal]:
        return self._read(image, "crop", use_cls=True)

    def for_image(self, image: Image.Image) -> TextLines:
        # The angle classifier only flips upside-down lines, which photos rarely have; skipping
        # it saves a sixth of the pass.
        return TextLines(self._read(image, "image", use_cls=False))

    def _read(self, image: Image.Image, kind: str, use_cls: bool) -> list[Proposal]:
        # RapidOCR works in BGR like OpenCV.
        result, _ = self._engine(kind)(np.asarray(image)[:, :, ::-1], use_cls=use_cls)
        proposals = []
        for points, text, score in result or []:
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            bbox = (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))
            proposals.append(Proposal(bbox, float(score), self.name, text=str(text)))
        return proposals


@dataclass
class TextLines:
    """One image's text lines; `within(box)` gives the lines that lie (mostly) inside `box`."""

    lines: list[Proposal]

    def within(self, box: Box) -> list[Proposal]:
        return [
            line
            for line in self.lines
            if intersection(line.bbox, box) >= 0.8 * max(box_area(line.bbox), 1e-6)
        ]
