"""`BuildConfig`: everything one `ouro build` run needs, recorded beside its output."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.errors import ConfigError, MissingFile
from ouro_toolkit.layout import CONFIG_FILE, BuildLayout
from ouro_toolkit.records import refuse_other_settings, write_once

# Fields that do not change what a shard contains: two runs differing only here may share a folder.
RUNTIME_FIELDS = (
    "shard_index",
    "server_url",
    "concurrency",
    "batch_size",
    "push_to_hub",
    "progress",
    "proposal_workers",
)

# The backend's settings as build_config.json spelled them before they were one `BackendSpec`
# (and as the config hash still spells them, so a resumed folder keeps its rows' hash).
LEGACY_BACKEND_KEYS = {
    "model": "model",
    "backend": "kind",
    "server_url": "server_url",
    "max_pixels": "max_pixels",
    "batch_size": "batch_size",
    "concurrency": "concurrency",
    "backend_options": "options",
}
# The tree settings as build_config.json spelled them before they were one `TreeRecipe`.
LEGACY_TREE_KEYS = ("proposers", "rpn_weights", "decompose")
# What an older toolkit used when a build gave no --max-pixels (now: the model's own).
LEGACY_MAX_PIXELS = 262_144


def _help(text: str, **meta: Any) -> dict[str, Any]:
    """A field's command-line option (see `ouro_toolkit.cli.fields`)."""
    return {"help": text, **meta}


@dataclass
class BuildConfig:
    source: str = field(
        metadata=_help("Source name (see `ouro sources`), e.g. local, coco_caption, textvqa.")
    )
    out: str = field(metadata=_help("Output folder (shards, markers, cache, config)."))
    backend: BackendSpec
    data_dir: str | None = field(
        default=None,
        metadata=_help(
            "Local copy of the source (for `local`: a folder of images, optional annotations.jsonl)."
        ),
    )
    split: str | None = field(
        default=None, metadata=_help("Source split (default: the source's first).")
    )
    repo_id: str | None = field(
        default=None, metadata=_help("Override the source's default Hub dataset id.")
    )
    limit: int | None = field(
        default=None,
        metadata=_help("Stop after N source rows (all shards together).", min=1),
    )
    num_shards: int = field(default=1, metadata=_help("", min=1))
    shard_index: int = field(default=0, metadata=_help("", min=0))
    tree: TreeRecipe = field(default_factory=TreeRecipe)
    prompts_path: str | None = field(
        default=None,
        metadata=_help(
            "YAML overriding the bundled prompts (must set its own `version`).", flag="--prompts"
        ),
    )
    push_to_hub: str | None = field(
        default=None,
        metadata=_help("Push each finished shard (and the dataset card) to this Hub dataset repo."),
    )
    progress: bool = True
    # None: one per core available to this process; 0: a thread of the main process (no pool).
    proposal_workers: int | None = field(
        default=None,
        metadata=_help(
            "Processes building region trees [default: the cores available to this process]; "
            "0 builds them in a thread of the main process.",
            min=0,
        ),
    )
    # d0 budget. 600 words is about 800 Qwen2 tokens: with the image (~330 tokens at
    # 262,144 pixels), the QA instruction (~150) and its 400-token answer, a QA request
    # stays under 2k of Qwen2-VL's 32k context, and d0 as a training target stays readable.
    max_description_words: int = field(
        default=600,
        metadata=_help(
            "d0 budget: the finest regions' details are left out of the merged description first.",
            min=1,
        ),
    )

    def __post_init__(self) -> None:
        if isinstance(self.tree, dict):
            self.tree = TreeRecipe(**self.tree)
        if isinstance(self.backend, dict):
            self.backend = BackendSpec.from_dict(self.backend)
        if not 0 <= self.shard_index < self.num_shards:
            raise ConfigError(
                f"--shard-index must be in 0..{self.num_shards - 1}, got {self.shard_index}"
            )
        if self.proposal_workers is not None and self.proposal_workers < 0:
            raise ConfigError(f"--proposal-workers must be >= 0, got {self.proposal_workers}")
        if self.max_description_words < 1:
            raise ConfigError(
                f"--max-description-words must be >= 1, got {self.max_description_words}"
            )

    @property
    def batch_size(self) -> int:
        """Images annotated together (all their nodes go to the backend at once)."""
        return self.backend.batch_size

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildConfig:
        """A config as recorded: today's shape, or the flat one of older build folders."""
        return cls(**upgrade_recorded(data))

    def resolved_proposal_workers(self) -> int:
        if self.proposal_workers is None:
            from ouro_toolkit.pipeline.proposal_pool import available_cores

            return available_cores()
        return self.proposal_workers

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def flat_settings(self) -> dict[str, Any]:
        """Every setting under the flat names build_config.json used before the nested shapes:
        what the config hash, the folder check and the dataset card read."""
        return flat_view(self.to_dict())

    def output_settings(self) -> dict[str, Any]:
        # Through JSON so a recorded config (lists) compares equal to a live one (tuples).
        settings = json.loads(json.dumps(self.flat_settings()))
        return {k: v for k, v in settings.items() if k not in RUNTIME_FIELDS}

    def config_hash(self, prompt_version: str) -> str:
        settings = dict(self.output_settings(), prompt_version=prompt_version)
        settings.pop("out")
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def out_dir(self) -> Path:
        return Path(self.out)

    def shard_name(self, index: int | None = None) -> str:
        return self.layout.name(self.shard_index if index is None else index)

    @property
    def layout(self) -> BuildLayout:
        return BuildLayout(self.out_dir, self.num_shards)

    @classmethod
    def load(cls, out_dir: str | Path) -> BuildConfig:
        path = BuildLayout(Path(out_dir)).config_path
        if not path.is_file():
            raise MissingFile(
                f"{out_dir}: no {CONFIG_FILE}; is this an `ouro build` output folder?"
            )
        return cls.from_dict(json.loads(path.read_text()))

    def check_folder(self) -> bool:
        """True when the folder already records these settings; raises when it records others."""
        path = self.layout.config_path
        if not path.is_file():
            return False
        data = json.loads(path.read_text())
        recorded = BuildConfig.from_dict(data)
        refuse_other_settings(
            self.out_dir,
            "a build",
            recorded.output_settings(),
            self.output_settings(),
            fix="use a new --out folder, or `ouro rebuild` to redo a shard with the recorded settings",
            hint=_legacy_hint(data, recorded, self),
        )
        return True

    def record(self) -> bool:
        """Write the config beside the shards, refusing to mix different settings in one folder.

        Called once the model and proposers have loaded, so a run that could not start leaves no
        settings behind to block the corrected command (`ouro launch` calls it once, in the
        driver, before any shard starts). Shards started together may all get here: the first
        to write the file wins; the others verify it. True when this call wrote the file.
        """
        if self.check_folder():
            return False
        if write_once(self.layout.config_path, json.dumps(self.to_dict(), indent=2)):
            return True
        self.check_folder()  # another shard won the race: its settings must be ours
        return False


def is_legacy(data: dict[str, Any]) -> bool:
    """A build_config.json written before the backend and tree settings were one object each."""
    return not isinstance(data.get("backend"), dict) or "tree" not in data


def upgrade_recorded(data: dict[str, Any]) -> dict[str, Any]:
    """`data` in today's shape: an older folder's flat keys become its spec and its recipe."""
    settings = dict(data)
    if not isinstance(settings.get("backend"), dict):
        flat = {k: settings.pop(k) for k in LEGACY_BACKEND_KEYS if k in settings}
        settings["backend"] = {LEGACY_BACKEND_KEYS[k]: v for k, v in flat.items()}
    if "tree" not in settings:
        settings["tree"] = {k: settings.pop(k) for k in LEGACY_TREE_KEYS if k in settings}
    return settings


def flat_view(data: dict[str, Any]) -> dict[str, Any]:
    """A recorded config (either shape) under the flat names, for readers such as the card."""
    settings = upgrade_recorded(data)
    spec, tree = dict(settings.pop("backend")), dict(settings.pop("tree"))
    settings.update({old: spec.get(new) for old, new in LEGACY_BACKEND_KEYS.items()})
    defaults = TreeRecipe().to_dict()
    settings.update({key: tree.get(key, defaults[key]) for key in LEGACY_TREE_KEYS})
    return settings


def _legacy_hint(data: dict[str, Any], recorded: BuildConfig, wanted: BuildConfig) -> str:
    """Why an older folder no longer matches a command that has not changed, and the fix."""
    if not is_legacy(data):
        return ""
    old_pixels, new_pixels = recorded.backend.max_pixels, wanted.backend.max_pixels
    if old_pixels == LEGACY_MAX_PIXELS and new_pixels is None:
        return (
            f". This folder was built by an older toolkit, whose default --max-pixels was "
            f"{LEGACY_MAX_PIXELS} (it is now the model's own processor setting): add "
            f"--max-pixels {LEGACY_MAX_PIXELS} to resume it"
        )
    return ""
