"""Settings recorded beside a run's output, and the refusal to mix other settings into it.

A build folder (`build_config.json`) and an experiment folder (`experiment_config.json`) each
hold one set of settings: a run with other settings must use another folder, so rows or results
made one way are never mixed with rows made another. Both go through the helpers here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ouro_toolkit.errors import ConfigError


def changed_keys(
    recorded: Mapping[str, Any],
    wanted: Mapping[str, Any],
    keys: Iterable[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> list[str]:
    """The keys (all of `wanted`'s, or `keys`) whose values differ; a key the record lacks was
    recorded before it existed, so its default stands in."""
    defaults = defaults or {}
    names = list(wanted) if keys is None else list(keys)
    return sorted(k for k in names if recorded.get(k, defaults.get(k)) != wanted.get(k))


def refuse_other_settings(
    folder: Path,
    what: str,
    recorded: Mapping[str, Any],
    wanted: Mapping[str, Any],
    *,
    fix: str,
    keys: Iterable[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    hint: str = "",
) -> None:
    """Raise a `ConfigError` naming the settings that differ, and `fix`, when any do."""
    changed = changed_keys(recorded, wanted, keys, defaults)
    if changed:
        was = {k: recorded.get(k, (defaults or {}).get(k)) for k in changed}
        told = "; ".join(f"{k} {was[k]!r} there, {wanted.get(k)!r} now" for k in changed)
        raise ConfigError(
            f"{folder} holds {what} with other settings (differs in: {', '.join(changed)}; "
            f"{told}); {fix}{hint}"
        )


def write_once(path: Path, text: str) -> bool:
    """Write `path` unless it exists, never showing half a file; True when this call wrote it.

    Runs started together may all get here: each writes its own temporary file and the first to
    link it into place wins (a hard link is an atomic create-if-absent, also on NFS).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text)
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: a rename still never shows half a file
        tmp.replace(path)
        return True
    finally:
        tmp.unlink(missing_ok=True)
