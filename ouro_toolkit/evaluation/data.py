"""Streaming a benchmark's rows into `Sample`s: from the Hub, or from local files (`--data-dir`).

Both go through the data layer (`ouro_toolkit.data`), as the source builders do: `DataSource.ref`
turns a benchmark into a `DatasetRef` (its local copy, or its Hub id after `--hub-org` /
`--dataset`), `find_files` resolves its config and split to files (the dataset card's `configs:`,
else the conventional `[<config>/]<split>-*.parquet` layouts; a `data_files` path for repos
without configs, such as mPLUG/DocDownstream-1.0), and `iter_file_rows` streams them batch by
batch. So `--limit 20` reads the first batches of the first file and never downloads a split.

Local: `DATA_DIR/<benchmark name>/` laid out like the Hub repo, e.g. what
`hf download lmms-lab/GQA --repo-type dataset --local-dir DATA_DIR/gqa` leaves:
`[<config>/]<split>-*.parquet`, `[<config>/]<split>/*.parquet`, `data/<split>-*.parquet` or
`<split>.parquet` (jsonl for the DocOwl sets). Image paths in rows resolve against that folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

from PIL import Image

from ouro_toolkit.data import DatasetRef, SourceError, find_files, iter_file_rows
from ouro_toolkit.data.catalog import LMMS_LAB_MOVED, MOVED_HINT
from ouro_toolkit.errors import OuroError, one_line
from ouro_toolkit.evaluation.readers import READERS, RowError
from ouro_toolkit.evaluation.samples import Sample
from ouro_toolkit.evaluation.tasks import Benchmark, resolve_hub_id
from ouro_toolkit.images import ImageLoadError, load_image, open_image_value

log = logging.getLogger(__name__)

_BLOCK = 256  # rows read (and, for GQA, image-joined) at a time


class DataUnavailable(OuroError, RuntimeError):
    """A benchmark's data cannot be opened; the message says where it looked and what to do."""


@dataclass
class DataSource:
    """Where benchmark data comes from."""

    data_dir: Path | None = None  # local copies: DATA_DIR/<benchmark>/...
    org: str | None = None  # replaces "lmms-lab" in default ids (e.g. "lmms-lab-encoder")
    hub_ids: dict[str, str] = field(default_factory=dict)  # per-benchmark id overrides

    def local_root(self, bench: Benchmark) -> Path | None:
        if self.data_dir is None:
            return None
        root = Path(self.data_dir) / bench.name
        return root if root.is_dir() else None

    def ref(self, bench: Benchmark, *, config: str | None = None) -> DatasetRef | None:
        """The copy of `bench`'s dataset read here (None: no local copy and no Hub id)."""
        ref = bench.ref.with_config(config or bench.config)
        root = self.local_root(bench)
        if root is not None:
            return replace(ref, local=root)
        repo_id = resolve_hub_id(bench, org=self.org, hub_ids=self.hub_ids)
        return replace(ref, repo_id=repo_id) if repo_id else None


def open_rows(bench: Benchmark, source: DataSource, *, config: str | None = None):
    """An iterable of raw rows for `bench` (or for its image config when `config` is given).

    The files are found now (a missing copy fails here, before any model loads); rows stream later.
    """
    if bench.generate is not None and source.local_root(bench) is None:
        return bench.generate(bench)  # made here; a --data-dir copy of it still wins
    ref = source.ref(bench, config=config)
    if ref is None:
        raise DataUnavailable(
            f"{bench.name}: has no Hub copy; pass --data-dir DIR with {bench.name}/ inside ({bench.notes})"
        )
    try:
        files = find_files(ref)
    except SourceError as exc:
        raise _unavailable(bench, ref, one_line(exc)) from None
    if not files:
        raise _unavailable(bench, ref, None)
    return iter_file_rows(files, source=bench.name)


def _unavailable(bench: Benchmark, ref: DatasetRef, problem: str | None) -> DataUnavailable:
    what = (
        f"file {ref.data_files!r}"
        if ref.data_files
        else f"config {ref.config!r} split {ref.split!r}"
    )
    if ref.local is not None:
        prefix = f"{ref.config}/" if ref.config else ""
        return DataUnavailable(
            f"{bench.name}: {problem or 'no data files'} for {what} under {ref.local} "
            f"(expected e.g. {ref.local}/{prefix}{bench.split}-00000-of-00001.parquet)"
        )
    offline = (
        os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1"
    )
    hint = (
        "the Hub is switched off here (HF_HUB_OFFLINE/HF_DATASETS_OFFLINE=1): use --data-dir"
        if offline
        else f"check the id ({MOVED_HINT}: try --hub-org {LMMS_LAB_MOVED}), "
        "your token for gated sets, or use --data-dir"
    )
    return DataUnavailable(
        f"{bench.name}: cannot open {ref.repo_id} ({what}): {problem or 'no data files'}; {hint}"
    )


def _attach_images(bench: Benchmark, source: DataSource, rows: list[dict[str, Any]]) -> None:
    """GQA: fetch each question's image from the image config, matching on the id column."""
    wanted = {row.get(bench.image_key) for row in rows}
    found: dict[Any, Any] = {}
    for image_row in open_rows(bench, source, config=bench.image_config):
        key = image_row.get(bench.image_id_column)
        if key in wanted and key not in found:
            found[key] = image_row.get("image")
            if len(found) == len(wanted):
                break
    for row in rows:
        row.setdefault("image", found.get(row.get(bench.image_key)))


def iter_samples(
    bench: Benchmark, source: DataSource, *, limit: int | None = None
) -> Iterator[Sample]:
    """The first `limit` samples of `bench` (all when None), streamed. Unreadable rows come back as
    samples with `error` set, so they are counted as failures rather than silently skipped."""
    rows = islice(open_rows(bench, source), limit)
    root = source.local_root(bench)
    index = 0
    while block := list(islice(rows, _BLOCK)):
        if bench.image_config:
            _attach_images(bench, source, block)
        for row in block:
            try:
                sample = READERS[bench.read](row, bench, index)
            except (RowError, KeyError, TypeError, ValueError) as exc:
                sample = Sample(
                    id=f"{bench.name}-{index}", prompt="", images=[], error=f"bad row: {exc}"
                )
            sample.meta.setdefault("base_dir", str(root) if root else None)
            index += 1
            yield sample


def _fetch(url: str) -> bytes:
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ImageLoadError(
            f"{url}: cannot fetch an image URL offline; put the file under --data-dir"
        )
    import httpx

    try:
        response = httpx.get(url, timeout=30.0, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ImageLoadError(f"{url}: download failed ({exc})") from None
    return response.content


def resolve_image(value: Any, base_dir: str | None) -> Image.Image:
    """Open one image value from a row: PIL image, {"bytes","path"} dict, path, or URL.

    A dict with "path" and "url" (VSR) tries the local file first; everything but the download
    is `images.open_image_value`'s. Raises `ImageLoadError`.
    """
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return load_image(_fetch(value))
    if isinstance(value, dict) and not value.get("bytes") and value.get("url"):
        if value.get("path"):
            try:
                return open_image_value(str(value["path"]), base_dir)
            except ImageLoadError:
                pass
        return resolve_image(str(value["url"]), base_dir)
    return open_image_value(value, base_dir)
