"""The `datasets` builder every source shares: read Parquet in a source's own layout, normalise
each row.

A source is one `SourceSpec` (name, task, default Hub repo, splits, licence, citation, where its
Parquet files live; `builders/spec.py`) plus one `normalise(raw_row) -> Normalised` function.
`OuroSourceBuilder` does the rest (the row checks are `builders/rows.py`'s): it finds the Parquet files (on the Hub, or under `data_dir`), streams them batch by batch
with pyarrow (never a full load), embeds and checks each image, turns bad input into an `error`
string on the row (never a dropped row), and merges consecutive rows about the same image into one
row with several QA pairs, so the expensive annotation step sees each image once.

A copy in another layout fails before its first row: every file of the shard must have the spec's
required `columns` (optional ones are read when present), and a split the source lacks, or one
without files, is refused with one line that names the file or glob and the fix (`--repo-id`,
`--data-dir`). The layouts were read from the Hub's cards; tests/builders/layouts/ records them.

Output rows follow `ouro_toolkit.source_schema.SOURCE_FEATURES`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import datasets
import pyarrow.parquet as pq

# Re-exported: sources import their spec, row type and row helpers from here.
from ouro_toolkit.builders.rows import (  # noqa: F401
    _local_dir,
    embed_image,
    error_kinds,
    format_problems,
    group_consecutive,
    image_digest,
    strip_internal,
)
from ouro_toolkit.builders.spec import ROW_REF, Normalised, SourceSpec, as_texts  # noqa: F401
from ouro_toolkit.data import (
    DatasetRef,
    SourceError,
    hub_files,
    iter_parquet_rows,
    list_hub_files,
    local_split_files,
    open_file,
    plan_shard,
)
from ouro_toolkit.data.catalog import MOVED_HINT
from ouro_toolkit.data.shards import ShardPlan
from ouro_toolkit.errors import one_line
from ouro_toolkit.source_schema import SOURCE_FEATURES

logger = logging.getLogger(__name__)


@dataclass
class OuroSourceConfig(datasets.BuilderConfig):
    """Builder options shared by every source (pass them as keyword arguments to the builder).

    Args:
        revision: Hub revision (branch, tag or commit) of the source repo.
        verify_images: decode every image once (with `ouro_toolkit.images.load_image`) so a corrupt
            one is marked in `error` here rather than failing later in the annotation step.
        group_by_image: merge consecutive rows about the same image (same `image_key`) into one row.
        num_shards, shard_index: read only this shard's part (`ouro_toolkit.data.shards`): whole
            files when there are at least as many files as shards, else every num_shards-th row.
    """

    revision: str = "main"
    verify_images: bool = True
    group_by_image: bool = True
    num_shards: int = 1
    shard_index: int = 0


class OuroSourceBuilder(datasets.GeneratorBasedBuilder):
    """Streams one benchmark's Parquet files and normalises them to `SOURCE_FEATURES`.

    Subclasses set `SPEC` and implement `normalise`. Keyword arguments: `data_dir` (a folder of the
    source's Parquet files in its own column layout; the Hub is not touched), `repo_id` (another Hub
    copy with the same layout, e.g. `lmms-lab-encoder/textvqa`), plus the `OuroSourceConfig` fields.
    """

    SPEC: ClassVar[SourceSpec]
    BUILDER_CONFIG_CLASS = OuroSourceConfig
    config: OuroSourceConfig

    # --- what a source writes -------------------------------------------------------------
    def normalise(self, raw: dict[str, Any]) -> Normalised:
        raise NotImplementedError

    # --- datasets.GeneratorBasedBuilder ---------------------------------------------------
    def _info(self) -> datasets.DatasetInfo:
        spec = self.SPEC
        return datasets.DatasetInfo(
            description=spec.description,
            features=SOURCE_FEATURES,
            homepage=spec.homepage,
            license=spec.license,
            citation=spec.citation,
        )

    @property
    def source_repo(self) -> str:
        return self.repo_id or self.SPEC.repo_id

    def _split_generators(self, dl_manager: Any) -> list[datasets.SplitGenerator]:
        generators = []
        for split in self.SPEC.splits:
            files = self.split_files(split, self.SPEC.data_files)
            if files:
                plan = plan_shard(len(files), self.config.num_shards, self.config.shard_index)
                numbered = plan.files(list(enumerate(files)))
                # Two equal-length lists: datasets shards over them (one shard per Parquet file).
                gen_kwargs = {
                    "files": [file for _, file in numbered],
                    "shards": [(split, i) for i, _ in numbered],
                    "plan": plan,
                }
                generators.append(datasets.SplitGenerator(name=split, gen_kwargs=gen_kwargs))
        if not generators:
            raise SourceError(self._no_files_message())
        return generators

    def _generate_examples(
        self, files: list[str], shards: list[tuple[str, int]], plan: ShardPlan | None = None
    ) -> Iterator[tuple[Any, dict]]:
        plan = plan or ShardPlan()
        require_columns(files, self.SPEC.columns, self.SPEC.name)  # every file, before any row
        rows = (self._finish(raw) for raw in self._raw_rows(files, [split for split, _ in shards]))
        rows = group_consecutive(rows) if self.config.group_by_image else map(strip_internal, rows)
        # Row modulo counts finished rows, so the questions of one image stay in one shard.
        rows = (row for i, row in enumerate(rows) if plan.keeps_row(i))
        first_shard = shards[0][1] if shards else 0
        for index, row in enumerate(rows):
            yield datasets.builder.Key(first_shard, index), row

    # --- streaming -------------------------------------------------------------------------
    def stream_rows(self, split: str) -> Iterator[dict[str, Any]]:
        """Rows of `split`, as `as_streaming_dataset(split).decode(False)` yields them.

        The same generator and the same feature encoding, without the `IterableDataset` wrapper:
        its constructor imports torch whenever torch is installed (2 s here, more on a busy
        machine), and `ouro build` would pay that before its first row reaches a proposal worker.
        """
        self.check_split(split)
        generators = {g.name: g for g in self._split_generators(None)}
        if split not in generators:
            raise SourceError(self._split_without_files_message(split, list(generators)))
        features = self.info.features
        for _, row in self._generate_examples(**generators[split].gen_kwargs):
            yield features.encode_example({name: row.get(name) for name in features})

    def check_split(self, split: str) -> None:
        """Refuse a split the source does not have, before any file is listed."""
        if split not in self.SPEC.splits:
            raise SourceError(
                f"source {self.SPEC.name!r} has no split {split!r}; its splits: "
                f"{', '.join(self.SPEC.splits)} (pass one of them with --split)"
            )

    # --- finding files ---------------------------------------------------------------------
    def split_files(self, split: str, pattern: str) -> list[str]:
        """Parquet files of `split` under data_dir (local paths) or in the Hub repo (hf:// URLs)."""
        if self.config.data_dir:
            return local_split_files(Path(self.config.data_dir), split, pattern)
        return hub_files(self.dataset_ref, self._hub_listing(), [pattern.format(split=split)])

    @property
    def dataset_ref(self) -> DatasetRef:
        local = Path(self.config.data_dir) if self.config.data_dir else None
        return DatasetRef(repo_id=self.source_repo, local=local, revision=self.config.revision)

    def _hub_listing(self) -> list[str]:
        cached = getattr(self, "_listing", None)
        if cached is not None:
            return cached
        try:
            listing = list_hub_files(self.dataset_ref, self.token)
        except SourceError as exc:  # offline, missing repo, auth: all get the same advice
            raise SourceError(
                f"source {self.SPEC.name!r}: {one_line(exc)}. Pass data_dir=<folder with its "
                f"Parquet files> to read local files, or repo_id=<copy with the same columns> "
                f"({MOVED_HINT})."
            ) from None
        self._listing = [p for p in listing if p.endswith(".parquet")]
        return self._listing

    @property
    def _where(self) -> str:
        if self.config.data_dir:
            return f"data_dir {self.config.data_dir!r}"
        return f"Hub dataset {self.source_repo!r}"

    def _no_files_message(self) -> str:
        expected = ", ".join(self.expected_files(s) for s in self.SPEC.splits)
        return (
            f"source {self.SPEC.name!r}: no Parquet files for any of its splits {list(self.SPEC.splits)} "
            f"in {self._where}. Expected files like {expected} (or '<split>-*.parquet' / '<split>/*.parquet' "
            f"anywhere under data_dir); {LAYOUT_FIX}."
        )

    def expected_files(self, split: str) -> str:
        """The glob a split's files should match (for messages)."""
        return self.SPEC.data_files.format(split=split)

    def _split_without_files_message(self, split: str, found: list[str]) -> str:
        expected = self.expected_files(split)
        return (
            f"source {self.SPEC.name!r}: no Parquet files for split {split!r} in {self._where} "
            f"(expected {expected}; splits with files: {', '.join(found)}); {LAYOUT_FIX}."
        )

    # --- reading rows ------------------------------------------------------------------------
    def _raw_rows(self, files: list[str], split_names: list[str]) -> Iterator[dict[str, Any]]:
        for file, split in zip(files, split_names, strict=True):
            stem = PurePosixPath(file).name.removesuffix(".parquet")
            for index, raw in enumerate(iter_parquet_rows(file, source=self.SPEC.name)):
                raw[ROW_REF] = f"{split}/{stem}#{index}"
                raw["__file__"] = file
                yield raw

    def _finish(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Normalise one raw row, embed and check its image, and fold problems into `error`."""
        try:
            row = self.normalise(raw)
        except Exception as exc:  # a normaliser bug or a value shape nobody foresaw: keep the row
            row = Normalised(source_id=str(raw.get(ROW_REF)), image=raw.get("image"))
            row.problem("unreadable row", f"{type(exc).__name__}: {one_line(exc, first_only=True)}")
        return self.complete(row, raw.get("__file__"))

    def complete(self, row: Normalised, file: str | None) -> dict[str, Any]:
        """A `Normalised` row -> a `SOURCE_FEATURES` row (image embedded and checked)."""
        image = embed_image(row, _local_dir(file), self.config.verify_images)
        return {
            "id": f"{self.SPEC.name}/{row.source_id}",
            "image": image,
            "source": self.SPEC.name,
            "task": self.SPEC.task,
            "captions": row.captions,
            "qa": row.qa,
            "error": format_problems(row.problems),
            "__image_key__": row.image_key,
        }


# --- helpers shared by builders ------------------------------------------------------------------

# What to do when a source's files are not in the layout its builder reads (the CLI's options,
# with the Python keyword arguments they map to).
LAYOUT_FIX = (
    "the source's layout may have changed, or this is another dataset: pass --repo-id "
    "(repo_id=) a Hub copy in the layout docs/sources.md describes, or --data-dir (data_dir=) "
    "a folder of its Parquet files"
)


def require_columns(files: Iterable[str], columns: Iterable[str], source: str) -> None:
    """Raise one `SourceError` line naming the first file that lacks a required column.

    Only each file's Parquet footer is read, so a copy in another layout fails before the first
    row is annotated, not hours into a build when its fifth file is reached.
    """
    columns = list(columns)
    if not columns:
        return
    for file in files:
        with open_file(file) as handle:
            names = pq.read_schema(handle).names
        missing = [c for c in columns if c not in names]
        if missing:
            noun = "columns" if len(missing) > 1 else "column"
            raise SourceError(
                f"source {source!r}: {file} lacks {noun} {', '.join(map(repr, missing))} (it has "
                f"{', '.join(names)}; the builder needs {', '.join(columns)}); {LAYOUT_FIX}."
            )
