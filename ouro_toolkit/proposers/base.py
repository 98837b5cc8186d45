"""The region-proposer protocol: an image in, scored boxes (in that image's pixels) out.

Two optional methods make whole trees cheaper without changing what a proposer means:
`for_image(image)` does the work once per image and answers each region from it
(`ImageProposals.within(box)`, full-image pixels), and `propose_batch(crops)` proposes for many
crops in one call (the RPN batches them on a GPU).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PIL import Image

from ouro_toolkit.errors import OuroError
from ouro_toolkit.regions.box import Box


@dataclass(frozen=True)
class Proposal:
    bbox: Box  # pixels of the image the proposer was given
    score: float  # confidence in [0, 1]
    proposer: str
    text: str = ""  # recognised text (OCR)
    label: str = ""  # class name when the proposer knows one (layout)


class ProposerUnavailable(OuroError, RuntimeError):
    """A proposer cannot run here (missing weights, missing package); the message says how to fix it."""


@runtime_checkable
class RegionProposer(Protocol):
    name: str

    def propose(self, image: Image.Image) -> list[Proposal]: ...


@runtime_checkable
class ImageProposals(Protocol):
    """Proposals computed once for a whole image, queried per region."""

    def within(self, box: Box) -> list[Proposal]: ...
