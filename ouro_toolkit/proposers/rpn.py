"""Object proposals from the region proposal network of torchvision's Faster R-CNN.

Only pretrained weights make sense here: a randomly initialised RPN proposes garbage boxes that
pass any threshold, so we refuse to run without weights instead of falling back to random ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ouro_toolkit.errors import one_line
from ouro_toolkit.proposers.base import Proposal, ProposerUnavailable

# torchvision's FasterRCNN_ResNet50_FPN_Weights.DEFAULT, named here so a process can tell whether
# the weights are at hand without importing torch (a test checks the two agree).
DEFAULT_WEIGHTS_URL = (
    "https://download.pytorch.org/models/fasterrcnn_resnet50_fpn_coco-258fb6c6.pth"
)


def default_weights_path() -> Path:
    """Where torch.hub keeps the default checkpoint (TORCH_HOME, else XDG_CACHE_HOME/torch)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    home = Path(os.environ.get("TORCH_HOME") or Path(cache) / "torch")
    return home / "hub" / "checkpoints" / DEFAULT_WEIGHTS_URL.rsplit("/", 1)[1]


def default_weights_at_hand(timeout: float = 10.0) -> bool:
    """True when the default checkpoint is cached, or could be downloaded now (it then is)."""
    path = default_weights_path()
    if path.is_file():
        return True
    import urllib.request

    try:  # offline, this fails at the name lookup, long before torch would be imported
        urllib.request.urlopen(
            urllib.request.Request(DEFAULT_WEIGHTS_URL, method="HEAD"), timeout=timeout
        )
    except OSError:
        return False
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        torch.hub.download_url_to_file(DEFAULT_WEIGHTS_URL, str(path))
    except Exception:  # a dropped connection: the workers will report it
        return False
    return True


def _load_detector(weights: str):
    import torch
    from torchvision.models.detection import (
        FasterRCNN_ResNet50_FPN_Weights,
        fasterrcnn_resnet50_fpn,
    )

    if weights == "DEFAULT":
        try:
            return fasterrcnn_resnet50_fpn(weights=FasterRCNN_ResNet50_FPN_Weights.DEFAULT)
        except Exception as exc:  # offline: urllib/OSError/hash errors, all mean "no weights here"
            raise ProposerUnavailable(
                "cannot download torchvision's Faster R-CNN weights "
                f"({type(exc).__name__}: {exc}); run once with internet or pass --rpn-weights "
                "PATH to a local checkpoint (fasterrcnn_resnet50_fpn state dict)"
            ) from None
    path = Path(weights)
    if not path.is_file():
        raise ProposerUnavailable(f"RPN checkpoint {path} does not exist")
    model = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state.get("model", state))
    except Exception as exc:  # not a checkpoint, or one of another model: both mean "no weights"
        raise ProposerUnavailable(
            f"RPN checkpoint {path} is not a fasterrcnn_resnet50_fpn state dict "
            f"({type(exc).__name__}: {one_line(exc, first_only=True, limit=200)})"
        ) from None
    return model


@dataclass
class RpnProposer:
    weights: str = "DEFAULT"  # "DEFAULT" (torchvision's COCO weights) or a checkpoint path
    max_proposals: int = 50
    device: str = (
        "auto"  # "auto": CUDA when present (a ResNet-50 FPN costs seconds per image on a CPU)
    )
    name: str = "rpn"

    def __post_init__(self) -> None:
        import torch

        self._torch = torch
        if self.device == "auto":
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        detector = _load_detector(self.weights).eval().to(self.device)
        detector.rpn._post_nms_top_n["testing"] = self.max_proposals
        self._transform = detector.transform
        self._backbone = detector.backbone
        self._rpn = detector.rpn

    def propose(self, image: Image.Image) -> list[Proposal]:
        return self.propose_batch([image])[0]

    def propose_batch(self, images: list[Image.Image]) -> list[list[Proposal]]:
        """Proposals for several images in one forward pass (the crops of one tree level)."""
        from torchvision.models.detection.rpn import concat_box_prediction_layers

        torch = self._torch
        tensors = [
            torch.from_numpy(np.asarray(image).copy()).to(self.device).permute(2, 0, 1).float()
            / 255.0
            for image in images
        ]
        with torch.inference_mode():
            batch, _ = self._transform(tensors)
            features = list(self._backbone(batch.tensors).values())
            objectness, deltas = self._rpn.head(features)
            anchors = self._rpn.anchor_generator(batch, features)
            per_level = [o[0].shape[0] * o[0].shape[1] * o[0].shape[2] for o in objectness]
            objectness, deltas = concat_box_prediction_layers(objectness, deltas)
            decoded = self._rpn.box_coder.decode(deltas, anchors).view(len(images), -1, 4)
            boxes, scores = self._rpn.filter_proposals(
                decoded, objectness, batch.image_sizes, per_level
            )
        # The transform resized each image; map boxes back to the pixels we were given.
        out = []
        for image, (resized_h, resized_w), image_boxes, image_scores in zip(
            images, batch.image_sizes, boxes, scores, strict=True
        ):
            scale = torch.tensor([image.width / resized_w, image.height / resized_h] * 2)
            out.append(
                [
                    Proposal(tuple(float(v) for v in box), float(score), self.name)
                    for box, score in zip(
                        (image_boxes.cpu() * scale).tolist(),
                        image_scores.cpu().tolist(),
                        strict=True,
                    )
                ]
            )
        return out
