"""Dataset and model cards, rendered from the Markdown templates in `cards/`.

Metadata goes in the YAML header, where the Hub and `datasets` read it: `configs` (data files),
`dataset_info` (features, so `load_dataset` rebuilds the region-tree types), licence, sources,
task categories; for adapters `base_model`, `datasets`, `library_name: peft` and `model-index`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from datasets import DatasetInfo, Features, SplitDict, SplitInfo
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import (
    DatasetCard,
    DatasetCardData,
    EvalResult,
    ModelCard,
    ModelCardData,
    constants,
)
from huggingface_hub.utils import HFValidationError, validate_repo_id

from ouro_toolkit.errors import MissingFile
from ouro_toolkit.hub.stats import DatasetStats
from ouro_toolkit.layout import DATA_FILES_PATTERN
from ouro_toolkit.regions.tree import RegionTree
from ouro_toolkit.schema import OURO_FEATURES

TASK_CATEGORIES = ["image-to-text", "visual-question-answering", "image-text-to-text"]
DATASET_TAGS = [
    "ouro",
    "synthetic",
    "region-descriptions",
    "hierarchical-captions",
    "vlm-self-annotation",
]
MODEL_TAGS = ["ouro", "lora", "peft", "vision-language"]
# Keys never copied from a build config into a card: credentials must not be published.
SECRET_MARKERS = ("token", "secret", "password", "api_key", "apikey", "authorization")
# Build-config keys that describe one machine or one run, not the data: local paths, URLs of
# private servers, worker settings. They stay out of a public card.
LOCAL_KEYS = frozenset(
    {
        "out",
        "data_dir",
        "prompts_path",
        "server_url",
        "shard_index",
        "progress",
        "push_to_hub",
        "concurrency",
        "batch_size",
    }
)
MAX_TEXT = 300  # characters of a description shown per tree node in the worked example
MAX_TREE_NODES = 25  # nodes of the worked example's tree shown in the card (all are in the data)


def cards_dir() -> Path:
    """The installed `cards` package (override with `OURO_CARDS_DIR`)."""
    override = os.environ.get("OURO_CARDS_DIR")
    folder = Path(override) if override else Path(str(resources.files("ouro_toolkit.cards")))
    if not (folder / "dataset_card.md").is_file():
        raise MissingFile(
            f"card templates not found in {folder}: run from a source checkout of ouro-toolkit "
            "or set OURO_CARDS_DIR to a folder holding dataset_card.md and model_card.md"
        )
    return folder


# ------------------------------------------------------------------------------------------------
# dataset card
# ------------------------------------------------------------------------------------------------
def render_dataset_card(
    repo_id: str,
    build_config: Mapping[str, Any],
    stats: DatasetStats,
    *,
    num_shards: int,
    features: Features = OURO_FEATURES,
    template_path: str | Path | None = None,
) -> DatasetCard:
    license_id = str(build_config.get("license") or "other")
    sources = sorted(stats.sources) or [str(build_config.get("source", "unknown"))]
    card_data = DatasetCardData(
        pretty_name=build_config.get("pretty_name") or f"OURO: {repo_id.split('/')[-1]}",
        license=license_id,
        language=["en"],
        annotations_creators=["machine-generated"],
        language_creators=["machine-generated"],
        multilinguality="monolingual",
        size_categories=[stats.size_category],
        source_datasets=sources,
        task_categories=TASK_CATEGORIES,
        tags=DATASET_TAGS,
    )
    _add_datasets_metadata(card_data, features, stats)
    provenance = (stats.example or {}).get("provenance") or {}
    model = build_config.get("model") or provenance.get("model") or "unknown"
    return DatasetCard.from_template(
        card_data,
        template_path=str(template_path or cards_dir() / "dataset_card.md"),
        repo_id=repo_id,
        stats=stats,
        num_shards=num_shards,
        model=model,
        sources_line=", ".join(f"{name} ({count:,})" for name, count in stats.sources.most_common())
        or sources[0],
        proposers_line=_proposers_line(build_config),
        made_with=_made_with(build_config, provenance, model),
        build_config_json=json.dumps(
            public_config(build_config, LOCAL_KEYS), indent=2, sort_keys=True, default=str
        ),
        size_human=_human_bytes(stats.num_bytes),
        depth_rows=sorted(stats.depth_histogram.items()),
        aspect_rows=stats.aspects_in_order(),
        qa_count_rows=sorted(stats.qa_count_histogram.items()),
        d0_rows=stats.d0_histogram(),
        d0_summary=_d0_summary(stats),
        example=stats.example,
        example_tree=_tree_lines(stats.example),
        example_description=_one_line((stats.example or {}).get("description") or "(empty)", 2000),
    )


def _add_datasets_metadata(
    card_data: DatasetCardData, features: Features, stats: DatasetStats
) -> None:
    """`configs` + `dataset_info` exactly as `datasets.push_to_hub` writes them."""
    splits = SplitDict()
    splits.add(SplitInfo(name="train", num_bytes=stats.num_bytes, num_examples=stats.num_rows))
    info = DatasetInfo(
        features=features,
        splits=splits,
        download_size=stats.num_bytes,
        dataset_size=stats.num_bytes,
    )
    DatasetInfosDict({"default": info}).to_dataset_card_data(card_data)
    configs = {"default": {"data_files": [{"split": "train", "path": DATA_FILES_PATTERN}]}}
    MetadataConfigs(configs).to_dataset_card_data(card_data)


def public_config(config: Mapping[str, Any], hide: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The config without anything that looks like a credential, nor the keys in `hide`."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key in hide or any(marker in key.lower() for marker in SECRET_MARKERS):
            continue
        out[key] = public_config(value) if isinstance(value, Mapping) else value
    return out


def _made_with(
    config: Mapping[str, Any], provenance: Mapping[str, Any], model: str
) -> list[tuple[str, str]]:
    rows = [
        ("source", config.get("source")),
        ("source split", config.get("split")),
        ("model", model),
        ("backend", config.get("backend") or provenance.get("backend")),
        ("prompt version", config.get("prompt_version") or provenance.get("prompt_version")),
        ("proposers", _join(config.get("proposers"))),
        ("thresholds", _thresholds(config)),
        ("max image pixels", config.get("max_pixels")),
        ("shards", config.get("num_shards")),
        ("toolkit version", config.get("toolkit_version") or provenance.get("toolkit_version")),
        ("config hash", config.get("config_hash") or provenance.get("config_hash")),
    ]
    return [(name, f"`{_cell(value)}`") for name, value in rows if value not in (None, "", [], {})]


def _thresholds(config: Mapping[str, Any]) -> str | None:
    """τ and the other splitting limits: `thresholds` / `decompose` mappings, or flat keys."""
    found: dict[str, Any] = {}
    for group in ("thresholds", "decompose"):
        if isinstance(config.get(group), Mapping):
            found.update({k: v for k, v in config[group].items() if isinstance(v, (int, float))})
    for key, value in config.items():
        if key in ("tau", "max_depth", "min_region_size") or "threshold" in key:
            found[key] = value
    return ", ".join(f"{k}={v}" for k, v in sorted(found.items())) or None


def _proposers_line(config: Mapping[str, Any]) -> str:
    proposers = config.get("proposers")
    return _join(proposers) if proposers else "the configured region proposers"


def _join(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return ", ".join(
            f"{k} ({v})" if v not in (None, True) else str(k) for k, v in value.items()
        )
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _tree_lines(row: Mapping[str, Any] | None) -> list[str]:
    """The tree as a nested Markdown list (two spaces per level)."""
    if not row or not row.get("regions"):
        return []
    try:
        tree = RegionTree.from_rows(row["regions"])
    except ValueError as err:  # a malformed tree is shown as a note, never breaks the card
        return [f"- (tree could not be rebuilt: {err})"]
    lines = []
    nodes = list(tree.walk())
    for node in nodes[:MAX_TREE_NODES]:
        x0, y0, x1, y1 = (round(v) for v in node.bbox)
        head = f"**{_one_line(node.label, 80)}**" if node.label else f"*{node.proposer}*"
        text = f" — {_one_line(node.description, MAX_TEXT)}" if node.description else ""
        ocr = f' (text: "{_one_line(node.ocr_text, 80)}")' if node.ocr_text else ""
        meta = f"`[{x0}, {y0}, {x1}, {y1}]` {node.score:.2f} {node.proposer}"
        lines.append(f"{'  ' * node.depth}- {head} {meta}{ocr}{text}")
    if len(nodes) > MAX_TREE_NODES:
        lines.append(
            f"- … and {len(nodes) - MAX_TREE_NODES} more regions (all of them are in `regions`)"
        )
    return lines


def _d0_summary(stats: DatasetStats) -> str:
    if not stats.d0_words:
        return ""
    return (
        f"median {stats.d0_quantile(0.5)}, 90th percentile {stats.d0_quantile(0.9)}, "
        f"longest {max(stats.d0_words)} words"
    )


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cell(value: Any) -> str:
    return _one_line(str(value), 200).replace("|", "\\|").replace("`", "'")


def _human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{value:.1f} TB"


# ------------------------------------------------------------------------------------------------
# model card
# ------------------------------------------------------------------------------------------------
def render_model_card(
    repo_id: str,
    *,
    base_model: str,
    hyperparameters: Mapping[str, Any],
    dataset_repo: str | None = None,
    dataset_revision: str | None = None,
    eval_results: Iterable[EvalResult | Mapping[str, Any]] | None = None,
    adapter_config: Mapping[str, Any] | None = None,
    license: str | None = None,
    template_path: str | Path | None = None,
) -> ModelCard:
    """The adapter's model card; usable without pushing (e.g. to add evaluation results).

    `eval_results` items are `huggingface_hub.EvalResult` or dicts of its arguments
    (`task_type`, `dataset_type`, `dataset_name`, `metric_type`, `metric_value`, ...).
    """
    results = [
        r if isinstance(r, EvalResult) else EvalResult(**dict(r)) for r in eval_results or []
    ]
    model_name = repo_id.split("/")[-1]
    hub_base = hub_model_id(base_model)
    card_data = ModelCardData(
        base_model=hub_base,
        datasets=[dataset_repo] if dataset_repo else None,
        library_name="peft",
        license=license,
        pipeline_tag="image-text-to-text",
        tags=[*MODEL_TAGS, *([f"base_model:adapter:{hub_base}"] if hub_base else [])],
        model_name=model_name,
        eval_results=results or None,
    )
    return ModelCard.from_template(
        card_data,
        template_path=str(template_path or cards_dir() / "model_card.md"),
        repo_id=repo_id,
        model_name=model_name,
        base_model=base_model,
        base_model_on_hub=hub_base is not None,
        hub_url=constants.ENDPOINT,
        dataset_repo=dataset_repo,
        dataset_revision=dataset_revision,
        hyperparameter_rows=[
            (k, f"`{_cell(v)}`") for k, v in public_config(hyperparameters).items()
        ],
        lora_rows=_lora_rows(adapter_config or {}),
        eval_rows=[_eval_row(r) for r in results],
        versions=_versions(),
    )


def hub_model_id(name: str) -> str | None:
    """`name` if it reads as a Hub model id; None for a local folder (the Hub's YAML check
    rejects a path as `base_model`, so it is then named only in the card's text)."""
    if Path(name).exists() or name.startswith((".", "/", "~")):
        return None
    try:
        validate_repo_id(name)
    except HFValidationError:
        return None
    return name


def _lora_rows(adapter_config: Mapping[str, Any]) -> list[tuple[str, str]]:
    keys = ("peft_type", "r", "lora_alpha", "lora_dropout", "target_modules", "bias", "task_type")
    return [
        (k, f"`{_cell(_join(adapter_config[k]))}`")
        for k in keys
        if adapter_config.get(k) is not None
    ]


def _eval_row(result: EvalResult) -> dict[str, str]:
    return {
        "dataset": _cell(result.dataset_name or result.dataset_type),
        "split": _cell(result.dataset_split or "—"),
        "metric": _cell(result.metric_name or result.metric_type),
        "value": _cell(result.metric_value),
    }


def _versions() -> list[tuple[str, str]]:
    out = []
    for name in ("ouro-toolkit", "peft", "transformers", "trl", "torch"):
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return out
