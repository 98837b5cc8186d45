"""The source registry: name -> builder class, and `iter_source`, the streaming entry point.

`iter_source` is what `ouro build --source NAME` calls. It builds the source's
`datasets.GeneratorBasedBuilder` and iterates `builder.stream_rows(split)`: the rows
`builder.as_streaming_dataset(split).decode(False)` would give, so each row's `image` is
`{"bytes": ..., "path": ...}` with the bytes embedded (no loading script, no download, no Arrow
cache is written), without the wrapper whose constructor imports torch.

To add a source: write `builders/<name>.py` (a `SourceSpec` and a `normalise` method) and add one
line to `SOURCES` below.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ouro_toolkit.builders.ai2d import AI2D
from ouro_toolkit.builders.base import OuroSourceBuilder, SourceSpec, error_kinds
from ouro_toolkit.builders.chartqa import ChartQA
from ouro_toolkit.builders.coco_caption import COCOCaption
from ouro_toolkit.builders.docvqa import DocVQA
from ouro_toolkit.builders.gqa import GQA
from ouro_toolkit.builders.infovqa import InfoVQA
from ouro_toolkit.builders.local import LocalImages
from ouro_toolkit.builders.ocrvqa import OCRVQA
from ouro_toolkit.builders.okvqa import OKVQA
from ouro_toolkit.builders.scenes import Scenes
from ouro_toolkit.builders.scienceqa import ScienceQA
from ouro_toolkit.builders.textcaps import TextCaps
from ouro_toolkit.builders.textvqa import TextVQA
from ouro_toolkit.builders.vizwiz import VizWiz
from ouro_toolkit.builders.vqav2 import VQAv2
from ouro_toolkit.errors import UnknownName

logger = logging.getLogger(__name__)

SOURCES: dict[str, type[OuroSourceBuilder]] = {
    "coco_caption": COCOCaption,
    "textcaps": TextCaps,
    "vqav2": VQAv2,
    "okvqa": OKVQA,
    "gqa": GQA,
    "scienceqa": ScienceQA,
    "vizwiz": VizWiz,
    "textvqa": TextVQA,
    "ocrvqa": OCRVQA,
    "ai2d": AI2D,
    "docvqa": DocVQA,
    "chartqa": ChartQA,
    "infovqa": InfoVQA,
    "local": LocalImages,
    "scenes": Scenes,
}


def spec(name: str) -> SourceSpec:
    return _builder_class(name).SPEC


def _builder_class(name: str) -> type[OuroSourceBuilder]:
    if name not in SOURCES:
        raise UnknownName("source", name, sorted(SOURCES))
    return SOURCES[name]


def get_builder(name: str, **kwargs: Any) -> OuroSourceBuilder:
    """Instantiate the builder of source `name` (kwargs: data_dir, repo_id, revision, ...)."""
    return _builder_class(name)(**kwargs)


def iter_source(
    name: str,
    *,
    data_dir: str | None = None,
    split: str | None = None,
    repo_id: str | None = None,
    limit: int | None = None,
    **options: Any,
) -> Iterator[dict[str, Any]]:
    """Stream source `name` as rows of `SOURCE_FEATURES`, image bytes embedded.

    `split` defaults to the source's first split (see `ouro sources`). `limit` stops after that many
    rows. Rows with bad input carry a non-empty `error`; one summary line with their counts is
    logged when the iteration ends (or is stopped).
    """
    builder = get_builder(name, data_dir=data_dir, repo_id=repo_id, **options)
    split = split or builder.SPEC.default_split
    stream = builder.stream_rows(split)
    counts: Counter[str] = Counter()
    total = bad = 0
    try:
        for row in stream:
            if limit is not None and total >= limit:
                break
            total += 1
            kinds = error_kinds(row["error"])
            bad += bool(kinds)
            counts.update(dict.fromkeys(kinds, 1))  # rows per kind, not problems per kind
            yield row
    finally:
        _log_summary(f"{name}/{split}", total, bad, counts)


def _log_summary(where: str, total: int, bad: int, counts: Counter[str]) -> None:
    """One line per streamed source: how many rows, how many kept with an error, of which kinds."""
    if bad:
        detail = ", ".join(f"{kind}: {n}" for kind, n in counts.most_common())
        logger.warning("source %s: %d rows streamed, %d with errors: %s", where, total, bad, detail)
    else:
        logger.info("source %s: %d rows streamed, none with errors", where, total)
