"""Document layout regions (text blocks, figures, tables, ...) from rapid-layout's CDLA model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ouro_toolkit.proposers.base import Proposal


@dataclass
class LayoutProposer:
    name: str = "layout"
    # Low on purpose: the decomposer applies the user's threshold τ to every proposer alike.
    model_threshold: float = 0.2

    def __post_init__(self) -> None:
        from rapid_layout import RapidLayout

        self._engine = RapidLayout(conf_thresh=self.model_threshold)

    def propose(self, image: Image.Image) -> list[Proposal]:
        out = self._engine(np.asarray(image)[:, :, ::-1].copy())
        boxes = out.boxes if out.boxes is not None else []
        names = out.class_names if out.class_names is not None else []
        scores = out.scores if out.scores is not None else []
        return [
            Proposal(tuple(float(v) for v in box), float(score), self.name, label=str(label))
            for box, label, score in zip(boxes, names, scores, strict=False)
        ]
