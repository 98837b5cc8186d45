"""Hub I/O: publish an OURO build as a dataset repo and a trained adapter as a model repo, each
with a card rendered from `cards/`. See docs/hub.md."""

from ouro_toolkit.hub.adapter import AdapterPushResult, push_adapter
from ouro_toolkit.hub.auth import HubAuthError, resolve_token
from ouro_toolkit.hub.build_folder import BuildFolder, BuildFolderError
from ouro_toolkit.hub.cards import render_dataset_card, render_model_card
from ouro_toolkit.hub.dataset import DatasetPushResult, push_dataset
from ouro_toolkit.hub.errors import HubPushError
from ouro_toolkit.hub.retry import RetryPolicy
from ouro_toolkit.hub.stats import DatasetStats, compute_stats

__all__ = [
    "AdapterPushResult",
    "BuildFolder",
    "BuildFolderError",
    "DatasetPushResult",
    "DatasetStats",
    "HubAuthError",
    "HubPushError",
    "RetryPolicy",
    "compute_stats",
    "push_adapter",
    "push_dataset",
    "render_dataset_card",
    "render_model_card",
    "resolve_token",
]
