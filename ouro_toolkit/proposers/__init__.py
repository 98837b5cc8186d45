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


def _ocr(**_: object) -> RegionProposer:
    from ouro_toolkit.proposers.ocr import OcrProposer

    return OcrProposer()


def _layout(**_: object) -> RegionProposer:
    from ouro_toolkit.proposers.layout import LayoutProposer

    return LayoutProposer()


def _rpn(rpn_weights: str = "DEFAULT", **_: object) -> RegionProposer:
    from ouro_toolkit.proposers.rpn import RpnProposer

    return RpnProposer(weights=rpn_weights)


def _grouping(**_: object) -> RegionProposer:
    from ouro_toolkit.proposers.grouping import GroupingProposer

    return GroupingProposer()


def _objects(rpn_weights: str = "DEFAULT", **_: object) -> RegionProposer:
    """The RPN when its weights can be had, else the offline grouping proposer."""
    try:
        return _rpn(rpn_weights=rpn_weights)
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


def build_proposers(
    names: Sequence[str] | None = None, *, rpn_weights: str = "DEFAULT"
) -> list[RegionProposer]:
    """Build (once per process) the named proposers; unknown names raise `UnknownName` listing the known ones."""
    names = list(names or DEFAULT_PROPOSERS)
    check_known("proposer", names, PROPOSERS)
    built = []
    for name in names:
        key = (name, rpn_weights)
        if key not in _cache:
            _cache[key] = PROPOSERS[name](rpn_weights=rpn_weights)
        built.append(_cache[key])
    return built


__all__ = [
    "PROPOSERS",
    "DEFAULT_PROPOSERS",
    "Proposal",
    "ProposerUnavailable",
    "RegionProposer",
    "build_proposers",
]
