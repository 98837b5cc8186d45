"""Text-line regions from RapidOCR (its ONNX models ship inside the wheel)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ouro_toolkit.proposers.base import Proposal


@dataclass
class OcrProposer:
    name: str = "ocr"

    def __post_init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._engine = RapidOCR()

    def propose(self, image: Image.Image) -> list[Proposal]:
        # RapidOCR works in BGR like OpenCV.
        result, _ = self._engine(np.asarray(image)[:, :, ::-1])
        proposals = []
        for points, text, score in result or []:
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            bbox = (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))
            proposals.append(Proposal(bbox, float(score), self.name, text=str(text)))
        return proposals
