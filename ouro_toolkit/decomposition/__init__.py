"""Decomposition: proposals -> the recursive region tree of one image."""

from ouro_toolkit.decomposition.decompose import DecomposeConfig, build_region_tree

__all__ = ["DecomposeConfig", "build_region_tree"]
