"""`TreeRecipe`: everything that decides an image's region tree, as one frozen object.

Which proposers, which RPN weights, and the decomposition rules (τ, depth, children, region
budget, proposal mode). Made once at the top (from the command line, a build folder's record,
an experiment, a benchmark's sweep), passed whole down to the proposal workers, and recorded
whole in build_config.json: nothing along the way renames or splits it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from ouro_toolkit.decomposition.decompose import DecomposeConfig, build_region_tree
from ouro_toolkit.proposers import DEFAULT_PROPOSERS
from ouro_toolkit.proposers.base import RegionProposer
from ouro_toolkit.regions.tree import RegionTree

# torchvision's COCO weights; any other value is a local checkpoint path.
DEFAULT_RPN_WEIGHTS = "DEFAULT"


@dataclass(frozen=True)
class TreeRecipe:
    proposers: tuple[str, ...] = field(
        default=DEFAULT_PROPOSERS, metadata={"help": "Comma-separated proposer names."}
    )
    rpn_weights: str = field(
        default=DEFAULT_RPN_WEIGHTS,
        metadata={"help": "'DEFAULT' (torchvision COCO weights) or a local checkpoint path."},
    )
    decompose: DecomposeConfig = field(default_factory=DecomposeConfig)

    def __post_init__(self) -> None:
        # A recorded recipe comes back from JSON with lists and a plain dict.
        object.__setattr__(self, "proposers", tuple(self.proposers))
        if isinstance(self.decompose, Mapping):
            settings = dict(self.decompose)
            if "leaf_proposers" in settings:
                settings["leaf_proposers"] = tuple(settings["leaf_proposers"])
            object.__setattr__(self, "decompose", DecomposeConfig(**settings))

    def replace(self, **changes: Any) -> TreeRecipe:
        """A copy with recipe fields or `DecomposeConfig` fields changed."""
        rules = {f.name for f in dataclasses.fields(DecomposeConfig)}
        own = {k: v for k, v in changes.items() if k not in rules}
        decompose = dataclasses.replace(
            own.pop("decompose", self.decompose),
            **{k: v for k, v in changes.items() if k in rules},
        )
        return dataclasses.replace(self, decompose=decompose, **own)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def build_proposers(self, threads: int = 0) -> list[RegionProposer]:
        from ouro_toolkit.proposers import build_proposers

        return build_proposers(self.proposers, rpn_weights=self.rpn_weights, threads=threads)

    def check(self) -> None:
        """Fail on an unknown proposer name, before anything loads."""
        from ouro_toolkit.proposers import check_proposer_names

        check_proposer_names(self.proposers)

    def for_workers(self) -> TreeRecipe:
        """The recipe with "objects" resolved once (RPN or its offline fallback), so each
        proposal worker does not import torch only to fall back."""
        from ouro_toolkit.proposers import resolve_for_workers

        names = resolve_for_workers(self.proposers, self.rpn_weights)
        return dataclasses.replace(self, proposers=tuple(names))

    def tree(self, image: Image.Image, proposers: Sequence[RegionProposer]) -> RegionTree:
        """`image`'s region tree by this recipe, with proposers built from it."""
        return build_region_tree(image, proposers, self.decompose)
