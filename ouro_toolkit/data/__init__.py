"""The data-access layer: where a dataset's files are, which of them a shard reads, and their rows.

- `DatasetRef`: a Hub dataset id or a local folder, plus config, revision and split.
- `files`: the one file finder (local globs, a Hub repo listing, the same glob rules for both);
  `find_files(ref)` resolves a config + split to files through the dataset card's `configs:`
  or the conventional layouts (`configs`).
- `shards`: which files (or, with fewer files than shards, which rows) belong to a shard.
- `stream`: rows of Parquet / JSON-lines files, local or `hf://`, read batch by batch.

Source builders (`builders/`) and evaluation both read through here.
"""

from ouro_toolkit.data.errors import SourceError
from ouro_toolkit.data.files import (
    find_files,
    find_local,
    glob_match,
    hub_files,
    hub_url,
    list_hub_files,
    local_split_files,
)
from ouro_toolkit.data.reference import DatasetRef
from ouro_toolkit.data.shards import ShardPlan, plan_shard, shard_share
from ouro_toolkit.data.stream import iter_file_rows, iter_parquet_rows, open_file

__all__ = [
    "DatasetRef",
    "ShardPlan",
    "SourceError",
    "find_files",
    "find_local",
    "glob_match",
    "hub_files",
    "hub_url",
    "iter_file_rows",
    "iter_parquet_rows",
    "list_hub_files",
    "local_split_files",
    "open_file",
    "plan_shard",
    "shard_share",
]
