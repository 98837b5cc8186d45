"""The base every source builder shares: read Parquet in a source's own layout, normalise each row.

A source is one `SourceSpec` (name, task, default Hub repo, splits, licence, citation, where its
Parquet files live) plus one `normalise(raw_row) -> Normalised` function. `OuroSourceBuilder` does
the rest: it finds the Parquet files (on the Hub, or under `data_dir`), streams them batch by batch
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

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import datasets
import pyarrow.parquet as pq

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
from ouro_toolkit.images import ImageLoadError, image_parts, load_image
from ouro_toolkit.source_schema import SOURCE_FEATURES, TASKS

logger = logging.getLogger(__name__)

# Key the base injects into every raw row: "<split>/<file stem>#<row in file>", a stable id for
# sources whose Parquet has no id column of its own.
ROW_REF = "__row__"


@dataclass(frozen=True)
class SourceSpec:
    """Everything `ouro sources` lists about a source, and where its Parquet files live."""

    name: str
    task: str  # one of ouro_toolkit.source_schema.TASKS
    repo_id: str  # default Hub dataset repo (override with repo_id=...)
    splits: tuple[str, ...]  # splits the default repo has; the first is the default
    license: str
    citation: str
    homepage: str = ""
    description: str = ""
    hub_config: str = ""  # the repo's config (subset) this source reads, shown by `ouro sources`
    # Glob of a split's Parquet files, relative to the repo root (and to data_dir).
    data_files: str = "data/{split}-*.parquet"
    # Columns the builder cannot do without: a file lacking one is refused before any row is read.
    columns: tuple[str, ...] = ()
    # Columns read when a file has them (a copy without one still streams, with less in each row).
    optional: tuple[str, ...] = ()
    # Splits whose Parquet files are in the repo although its card's `configs:` leaves them out
    # (`load_dataset` does not offer them; the builder reads the files).
    not_in_card: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"source {self.name!r}: task {self.task!r} is not one of {TASKS}")

    @property
    def default_split(self) -> str:
        return self.splits[0]


@dataclass
class Normalised:
    """One source row in the common schema, before its image is checked. Built by `normalise`."""

    source_id: str
    image: Any  # {"bytes", "path"} struct, raw bytes, a path string, or None
    captions: list[str] = field(default_factory=list)
    qa: list[dict[str, Any]] = field(default_factory=list)
    # Rows with the same image_key that follow each other are merged into one row (see module doc).
    image_key: str | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail)

    def problem(self, kind: str, detail: str) -> None:
        self.problems.append((kind, detail))

    def add_captions(self, value: Any) -> None:
        for text in self._texts(value, "captions"):
            if text not in self.captions:  # sources repeat a caption across their caption columns
                self.captions.append(text)

    def add_qa(self, question: Any, answers: Any, choices: Any = None) -> None:
        """Append one QA pair; an empty question or odd answers are kept and recorded, not dropped."""
        text = "" if question is None else str(question).strip()
        if not text:
            self.problem("empty question", f"{self.source_id} has question {question!r}")
        self.qa.append(
            {
                "question": text,
                "answers": self._texts(answers, "answers"),
                "choices": self._texts(choices, "choices"),
            }
        )

    def _texts(self, value: Any, what: str) -> list[str]:
        texts, bad = as_texts(value)
        if bad is not None:
            self.problem(f"bad {what}", bad)
        return texts


def as_texts(value: Any) -> tuple[list[str], str | None]:
    """Normalise a field that should be a list of strings.

    None -> []; a string -> [it]; numbers and booleans -> their text; a list of those -> a list of
    strings. Empty strings are dropped (TextVQA's test split pads answers with ten ""). Anything
    else (dicts, nested lists) gives the texts it could read plus a one-line description of the rest.
    """
    if value is None:
        return [], None
    items = value if isinstance(value, (list, tuple)) else [value]
    texts: list[str] = []
    odd: list[str] = []
    for item in items:
        if isinstance(item, str):
            if item.strip():
                texts.append(item.strip())
        elif isinstance(item, (bool, int, float)):
            texts.append(str(item))
        elif item is not None:
            odd.append(type(item).__name__)
    if odd:
        return texts, f"expected strings, got {', '.join(sorted(set(odd)))} in {_short(value)}"
    return texts, None


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


def image_digest(image: Any) -> str | None:
    """A short content hash of an image value's bytes, or None when the row holds no bytes.

    The key for sources whose columns do not identify the image (InfographicVQA's `image_url` is a
    web page): equal bytes are the same image, whatever the row says.
    """
    data = image.get("bytes") if isinstance(image, dict) else image
    if not isinstance(data, (bytes, bytearray)) or not data:
        return None
    return hashlib.sha256(data).hexdigest()[:16]


def _local_dir(file: str | None) -> Path | None:
    if not file or "://" in file:
        return None
    return Path(file).parent


def embed_image(row: Normalised, local_dir: Path | None, verify: bool) -> dict[str, Any] | None:
    """Return `{"bytes", "path"}` with the bytes embedded; record a missing/unreadable image on `row`."""
    try:
        data, path = image_parts(row.image)
    except ImageLoadError as exc:
        row.problem("unreadable image", str(exc))
        return None
    if not data and path:
        read = _read_local(path, local_dir)
        data = read if read is not None else data
        if data == b"":  # it exists and was read: it is empty, not unreadable
            row.problem("unreadable image", f"{path!r} is empty (0 bytes)")
            return {"bytes": None, "path": path}
        if data is None:
            row.problem("missing image", f"no image bytes and {path!r} is not a readable file")
            return {"bytes": None, "path": path}
    if not data:
        if not any(kind == "missing image" for kind, _ in row.problems):
            row.problem("missing image", "no image in this row")
        return None
    if verify:
        try:
            load_image(data)
        except ImageLoadError as exc:
            row.problem("unreadable image", str(exc))
    return {"bytes": data, "path": path}


def _read_local(path: str, local_dir: Path | None) -> bytes | None:
    candidates = [Path(path)] if Path(path).is_absolute() else []
    if local_dir is not None:
        candidates.append(local_dir / path)
    for candidate in candidates:
        if candidate.is_file():
            try:
                return candidate.read_bytes()
            except OSError:
                return None
    return None


def format_problems(problems: list[tuple[str, str]]) -> str:
    """`[(kind, detail)]` -> "kind: detail; kind: detail" (deduplicated, order kept); "" if clean."""
    seen: list[str] = []
    for kind, detail in problems:
        text = f"{kind}: {detail}"
        if text not in seen:
            seen.append(text)
    return "; ".join(seen)


def error_kinds(error: str) -> list[str]:
    """The kinds in an `error` string made by `format_problems` (for the summary counts)."""
    return (
        [part.split(":", 1)[0].strip() for part in error.split("; ") if part.strip()]
        if error
        else []
    )


def group_consecutive(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Merge runs of rows that share an `__image_key__` into one row (QA and captions concatenated).

    The merged row's id becomes `<source>/<image_key>`; if the same key comes back later in the
    stream (not next to its first run), that run gets `<source>/<image_key>~2`, `~3`, ... so ids
    stay unique and, for a given source order, stable.
    """
    seen: Counter[str] = Counter()
    pending: dict[str, Any] | None = None
    for row in rows:
        key = row.pop("__image_key__", None)
        if pending is not None and key is not None and pending["__key__"] == key:
            _merge_into(pending, row)
            continue
        if pending is not None:
            yield _strip(pending)
        if key is None:
            pending = None
            yield row
            continue
        seen[key] += 1
        row["id"] = f"{row['source']}/{key}" + (f"~{seen[key]}" if seen[key] > 1 else "")
        row["__key__"] = key
        pending = row
    if pending is not None:
        yield _strip(pending)


def _merge_into(target: dict[str, Any], row: dict[str, Any]) -> None:
    target["qa"].extend(row["qa"])
    target["captions"] += [c for c in row["captions"] if c not in target["captions"]]
    if row["error"]:
        parts = (p for error in (target["error"], row["error"]) for p in error.split("; ") if p)
        target["error"] = "; ".join(dict.fromkeys(parts))


def _strip(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("__key__", None)
    return row


def strip_internal(row: dict[str, Any]) -> dict[str, Any]:
    """Drop the builder-internal keys a row carries when grouping is off."""
    row.pop("__image_key__", None)
    return row
