"""Region proposers behind one protocol, and the registry that builds them by name.

A new proposer is one class with `name` and `propose(image) -> list[Proposal]`, plus one line in
`PROPOSERS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from ouro_toolkit.errors import check_known
from ouro_toolkit.proposers.base import Proposal, ProposerUnavailable, RegionProposer

log = logging.getLogger(__name__)


def _ocr(threads: int = 0, **_: object) -> RegionProposer:
    from ouro_toolkit.proposers.ocr import OcrProposer

    return OcrProposer(threads=threads)


def _layout(**_: object) -> RegionProposer:
    from ouro_toolkit.proposers.layout import LayoutProposer

    return LayoutProposer()


def _rpn(rpn_weights: str = "DEFAULT", threads: int = 0, **_: object) -> RegionProposer:
    from ouro_toolkit.proposers.rpn import RpnProposer

    if threads:
        import torch

        torch.set_num_threads(threads)
    return RpnProposer(weights=rpn_weights)


def _grouping(**_: object) -> RegionProposer:
    from ouro_toolkit.proposers.grouping import GroupingProposer

    return GroupingProposer()


def _objects(rpn_weights: str = "DEFAULT", threads: int = 0, **_: object) -> RegionProposer:
    """The RPN when its weights can be had, else the offline grouping proposer."""
    try:
        return _rpn(rpn_weights=rpn_weights, threads=threads)
    except ProposerUnavailable as exc:
        log.warning(
            "RPN unavailable, using offline felzenszwalb grouping proposals instead: %s", exc
        )
        return _grouping()


PROPOSERS: dict[str, Callable[..., RegionProposer]] = {
    "objects": _objects,
    "rpn": _rpn,
    "grouping": _grouping,
    "ocr": _ocr,
    "layout": _layout,
}

DEFAULT_PROPOSERS = ("objects", "ocr")

_cache: dict[tuple, RegionProposer] = {}


def resolve_for_workers(names: Sequence[str], rpn_weights: str) -> list[str]:
    """The names worker processes should build: "objects" decided here, once.

    With the default weights, whether the RPN can run is known from the torch.hub cache (or one
    download), so each worker does not import torch and build a detector only to fall back.
    """
    if "objects" not in names or rpn_weights != "DEFAULT":
        return list(names)
    from ouro_toolkit.proposers.rpn import default_weights_at_hand

    if default_weights_at_hand():
        return ["rpn" if n == "objects" else n for n in names]
    log.warning(
        "RPN unavailable, using offline felzenszwalb grouping proposals instead: torchvision's "
        "Faster R-CNN weights are not cached and cannot be downloaded; run once with internet "
        "or pass --rpn-weights PATH to a local checkpoint (fasterrcnn_resnet50_fpn state dict)"
    )
    return ["grouping" if n == "objects" else n for n in names]


def check_proposer_names(names: Sequence[str]) -> None:
    """Raise `UnknownName` listing the known proposers when a name is not one of them."""
    check_known("proposer", names, PROPOSERS)


def build_proposers(
    names: Sequence[str] | None = None, *, rpn_weights: str = "DEFAULT", threads: int = 0
) -> list[RegionProposer]:
    """Build (once per process) the named proposers; unknown names raise `UnknownName` listing the known ones.

    `threads` bounds each proposer's own thread pool (0: the library's default).
    """
    names = list(names or DEFAULT_PROPOSERS)
    check_proposer_names(names)
    built = []
    for name in names:
        key = (name, rpn_weights, threads)
        if key not in _cache:
            _cache[key] = PROPOSERS[name](rpn_weights=rpn_weights, threads=threads)
        built.append(_cache[key])
    return built


__all__ = [
    "PROPOSERS",
    "DEFAULT_PROPOSERS",
    "Proposal",
    "ProposerUnavailable",
    "RegionProposer",
    "build_proposers",
    "check_proposer_names",
    "resolve_for_workers",
]
