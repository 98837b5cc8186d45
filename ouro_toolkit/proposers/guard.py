"""`guarded(proposers)`: proposers that fail on one usable image give no proposals for it, and say so.

An image can be readable and still be one a proposer cannot take: RapidOCR raises
`ResizeImgError` (with an empty message) on a 3000x4 image. That says nothing about the image's
other proposers or its model calls, so the tree is built without that proposer's regions and
the failure is kept as a note (`GuardedProposer.failure`) for the caller to report, instead of
failing the image. A proposer that cannot run at all (`ProposerUnavailable`: missing weights)
still raises: every image would fail alike, and the fix is a setting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PIL import Image

from ouro_toolkit.errors import OuroError, one_line
from ouro_toolkit.proposers.base import Proposal, RegionProposer
from ouro_toolkit.regions.box import Box

OPTIONAL_METHODS = ("for_image", "propose_batch")  # see proposers/base.py


class _NoProposals:
    def within(self, box: Box) -> list[Proposal]:
        return []


class GuardedProposer:
    """Wraps one proposer for one image's tree; `failure` says what went wrong, if anything."""

    def __init__(self, inner: RegionProposer):
        self.inner = inner
        self.name = inner.name
        self.failure = ""

    def propose(self, image: Image.Image) -> list[Proposal]:
        return self._guard(self.inner.propose, [], image)

    def __getattr__(self, attr: str) -> Any:
        # Only the optional methods the wrapped proposer has: the decomposition checks for them.
        if attr not in OPTIONAL_METHODS:
            raise AttributeError(attr)
        method = getattr(self.inner, attr)
        if attr == "for_image":
            return lambda image: self._guard(method, _NoProposals(), image)
        return lambda crops: self._guard(method, [[] for _ in crops], crops)

    def _guard(self, method: Callable, empty: Any, argument: Any) -> Any:
        try:
            return method(argument)
        except OuroError:
            raise
        except Exception as exc:
            self.failure = self.failure or (
                f"{self.name} proposer failed on this image ({type(exc).__name__}"
                + (f": {one_line(exc, first_only=True)}" if str(exc).strip() else "")
                + f"); no {self.name} regions"
            )
            return empty


def guarded(proposers: Sequence[RegionProposer]) -> list[GuardedProposer]:
    return [GuardedProposer(p) for p in proposers]


def failures(proposers: Sequence[GuardedProposer]) -> list[str]:
    return [p.failure for p in proposers if p.failure]
