"""Source rows made ready: images embedded and checked, problems as one `error` string, and
consecutive rows about one image merged (what `OuroSourceBuilder` does to every row)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ouro_toolkit.builders.spec import Normalised
from ouro_toolkit.images import ImageLoadError, image_parts, load_image


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
