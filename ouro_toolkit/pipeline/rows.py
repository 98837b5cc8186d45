"""Assembling OURO rows (schema: `ouro_toolkit.schema.OURO_FEATURES`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ouro_toolkit.annotate.annotator import Annotation


@dataclass(frozen=True)
class Provenance:
    model: str
    backend: str
    prompt_version: str
    toolkit_version: str
    config_hash: str

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


def _original(source_row: dict[str, Any]) -> dict[str, Any]:
    qa = [
        {
            "question": q.get("question") or "",
            "answers": list(q.get("answers") or []),
            "choices": list(q.get("choices") or []),
        }
        for q in source_row.get("qa") or []
    ]
    return {"captions": list(source_row.get("captions") or []), "qa": qa}


def ouro_row(
    source_row: dict[str, Any],
    annotation: Annotation | None,
    provenance: Provenance,
    error: str = "",
) -> dict[str, Any]:
    """One OURO row; with `annotation=None` (the image could not be read) the row keeps its error."""
    # `status` is about the OURO annotation; a problem in the source's own data (an empty
    # question, say) is noted in `error` as "source: ..." without failing an annotated row.
    source_note = f"source: {source_row['error']}" if source_row.get("error") else ""
    errors = [e for e in (source_note, error, annotation.error if annotation else "") if e]
    image = source_row.get("image") if annotation is not None else None
    return {
        "id": source_row["id"],
        "source": source_row.get("source") or "",
        "task": source_row.get("task") or "",
        "image": image,
        "original": _original(source_row),
        "regions": annotation.tree.to_rows() if annotation else [],
        "description": annotation.description if annotation else "",
        "qa": annotation.qa if annotation else [],
        "provenance": provenance.to_dict(),
        "status": "ok" if annotation is not None and not annotation.errors else "error",
        "error": "; ".join(errors),
    }
