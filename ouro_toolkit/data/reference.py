"""`DatasetRef`: which dataset to read: a Hub id or a local folder, plus config, revision, split."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class DatasetRef:
    repo_id: str | None = None  # a Hub dataset id; ignored when `local` is set
    local: Path | None = None  # a folder (or one file) holding the dataset's files
    config: str | None = None
    revision: str = "main"
    split: str | None = None
    # A glob of files inside the dataset, for repos without configs (it replaces config + split).
    data_files: str | None = None

    @property
    def is_local(self) -> bool:
        return self.local is not None

    def with_config(self, config: str | None) -> DatasetRef:
        return replace(self, config=config)

    def describe(self) -> str:
        """How error messages name this dataset."""
        if self.local is not None:
            return f"data_dir {str(self.local)!r}"
        return f"Hub dataset {self.repo_id!r}"
