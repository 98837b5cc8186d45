"""Loading an OURO dataset for training: a build folder, a Parquet glob or a Hub repo id.

`prepare_dataset` drops the rows that cannot be trained on (failed annotation, no target) with a
logged count, then attaches the `OuroTransform` lazily, so crops are cut when a batch is read and
TRL receives `messages` + `images` columns. In the per-sample layout a row gives several samples:
the dataset is then an index of (row, sample) pairs read through the same transform.
"""

from __future__ import annotations

import glob
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from datasets import Dataset, load_dataset

from ouro_toolkit.data import find_local
from ouro_toolkit.errors import OuroError
from ouro_toolkit.layout import DATA_DIR, shard_counts
from ouro_toolkit.training.transform import Annotations, OuroTransform, skip_reason

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("id", "image", "regions", "description", "qa", "original", "status")


class DatasetSpecError(OuroError, ValueError):
    """`dataset_name` does not point at OURO rows; the message says what was tried and what to pass."""


def resolve_data_files(dataset_name: str, split: str = "train") -> list[str] | None:
    """Parquet files of `split` for a local folder, a Parquet file or a glob; None for a Hub repo id.

    A folder is read the way the Hub reads a repo: `data/{split}-*.parquet` (what `ouro build`
    writes for "train"); for "train" any other Parquet files in `data/` or the folder also count.
    """
    path = Path(dataset_name).expanduser()
    if path.is_dir():
        patterns = [f"{DATA_DIR}/{split}-*.parquet", f"{split}-*.parquet"]
        if split == "train":
            patterns += [f"{DATA_DIR}/*.parquet", "*.parquet"]
        files = find_local([path], patterns)
        if files:
            return files
        raise DatasetSpecError(
            f"dataset_name={dataset_name!r}: no Parquet files for split {split!r} (looked for "
            f"{', '.join(patterns)}; `ouro build --out DIR` writes data/train-*.parquet). Pass a build "
            "folder, a Parquet glob or a Hub repo id."
        )
    if path.suffix == ".parquet" or glob.has_magic(dataset_name):
        if split != "train":
            raise DatasetSpecError(
                f"split {split!r} of dataset_name={dataset_name!r}: a Parquet file or glob is one split "
                f"('train'); pass a folder holding data/{split}-*.parquet, or a Hub repo id"
            )
        files = sorted(glob.glob(str(path), recursive=True))
        if not files:
            raise DatasetSpecError(
                f"dataset_name={dataset_name!r}: no Parquet file matches this path or glob"
            )
        return files
    if path.exists():
        raise DatasetSpecError(
            f"dataset_name={dataset_name!r}: a file that is not Parquet; pass a .parquet file"
        )
    if _looks_like_path(dataset_name):
        raise DatasetSpecError(
            f"dataset_name={dataset_name!r}: no such file or folder (a Hub repo id looks like 'user/name')"
        )
    return None


def _looks_like_path(name: str) -> bool:
    """Hub repo ids are 'name' or 'owner/name'; anything else that does not exist is a missing path."""
    return name.startswith(("/", ".", "~")) or name.count("/") > 1 or "\\" in name


def warn_if_unfinished(files: list[str]) -> None:
    """`ouro build` names shards train-i-of-n: say so when some of the n are not there yet."""
    declared = shard_counts([Path(f).name for f in files])
    if declared and len(files) < max(declared):
        logger.warning(
            "training on %d of %d shards: the build is unfinished (finish the missing shards with "
            "`ouro build ... --shard-index I` to train on all of it)",
            len(files),
            max(declared),
        )


def load_ouro_dataset(
    dataset_name: str, split: str = "train", revision: str | None = None
) -> Dataset:
    """Load OURO rows from a build folder, a Parquet file/glob or a Hub dataset repo."""
    files = resolve_data_files(dataset_name, split)
    try:
        if files is not None:
            warn_if_unfinished(files)
            dataset = load_dataset("parquet", data_files={split: files}, split=split)
        else:
            dataset = load_dataset(dataset_name, split=split, revision=revision)
    except (FileNotFoundError, ConnectionError, OSError, ValueError) as exc:
        raise DatasetSpecError(
            f"dataset_name={dataset_name!r} (split {split!r}) could not be loaded: {exc}. Pass a local build "
            "folder, a Parquet glob, or a Hub repo id reachable from this machine (HF_HUB_OFFLINE unset)."
        ) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in dataset.column_names]
    if missing:
        raise DatasetSpecError(
            f"dataset_name={dataset_name!r} lacks the OURO columns {missing}; it is not an `ouro build` output"
        )
    return dataset


@dataclass
class FilterReport:
    total: int
    kept: int
    skipped: dict[str, int]  # reason -> rows

    def __str__(self) -> str:
        reasons = "; ".join(f"{n} with {reason}" for reason, n in sorted(self.skipped.items()))
        return f"{self.kept}/{self.total} rows kept" + (f"; skipped {reasons}" if reasons else "")


FILTER_COLUMNS = ["status", "description", "qa", "original", "regions"]


def filter_trainable(dataset: Dataset, annotations: Annotations) -> tuple[Dataset, FilterReport]:
    """Keep the rows that can be trained on, counting the others by reason.

    One pass over the text columns (never the images); the result is an index over `dataset`,
    so nothing is copied.
    """
    keep: list[int] = []
    skipped: Counter[str] = Counter()
    rows = dataset.select_columns(FILTER_COLUMNS).iter(batch_size=1000)
    index = 0
    for batch in rows:
        for i in range(len(batch["status"])):
            reason = skip_reason({c: batch[c][i] for c in FILTER_COLUMNS}, annotations)
            if reason:
                skipped[reason] += 1
            else:
                keep.append(index)
            index += 1
    report = FilterReport(len(dataset), len(keep), dict(skipped))
    if not keep:
        raise DatasetSpecError(f"no trainable rows: {report}")
    return (dataset if len(keep) == len(dataset) else dataset.select(keep)), report


def prepare_dataset(dataset: Dataset, transform: OuroTransform) -> Dataset:
    """Filter to trainable rows (logging what was skipped) and attach the transform lazily."""
    kept, report = filter_trainable(dataset, transform.annotations)
    # A warning when rows were skipped: silently training on less data than built is a surprise.
    level = logging.WARNING if report.kept < report.total else logging.INFO
    logger.log(level, "OURO training data: %s", report)
    if transform.layout == "joint":
        return kept.with_transform(transform)
    return per_sample_dataset(kept, transform)


@dataclass
class SampleReader:
    """The lazy transform of a (row, part) index: each item is part `part` of row `row`."""

    rows: Dataset
    transform: OuroTransform

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        messages, images = [], []
        for row_index, part in zip(batch["row"], batch["part"], strict=True):
            conversation, pictures = self.transform.sample(self.rows[int(row_index)], int(part))
            messages.append(conversation)
            images.append(pictures)
        return {"messages": messages, "images": images}


def per_sample_dataset(rows: Dataset, transform: OuroTransform) -> Dataset:
    """One item per training sample of `rows` (counted from their text columns and root boxes;
    no image is decoded until an item is read), in row order."""
    index: dict[str, list[int]] = {"row": [], "part": []}
    columns = ["id", "regions", "description", "qa", "original"]
    for start, batch in enumerate(rows.select_columns(columns).iter(batch_size=1000)):
        for i in range(len(batch["id"])):
            count = transform.sample_count({c: batch[c][i] for c in columns})
            index["row"] += [start * 1000 + i] * count
            index["part"] += list(range(count))
    logger.info("per-sample layout: %d samples from %d rows", len(index["row"]), len(rows))
    return Dataset.from_dict(index).with_transform(SampleReader(rows, transform))
