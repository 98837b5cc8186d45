"""Publishing a build folder as a Hub dataset repo: `push_dataset`.

How concurrent workers stay safe, and why a failed push never announces a partial set:

- Each call reads the repo's head commit and file list, then makes ONE commit on top of exactly
  that head (`parent_commit`). The commit holds this call's shards and, only when those shards
  complete the set (every `data/train-XXXXX-of-N.parquet` is then on the Hub), the dataset card.
- If another worker committed in between, the Hub refuses the commit (409/412); we re-read the
  head and decide again. So exactly the commit that completes the set carries the card — "last
  one in writes the card" — and two workers can never both believe they are not last.
- A Hub commit is atomic: when it fails for good, neither the shards nor the card of that call
  are on the Hub, and rerunning the same push resumes (identical files already there are skipped).
- Rate limits (429) and server errors (5xx) are retried with jittered exponential backoff.

The card's statistics are computed from all shards: from the local build folder when it has them
(a shared filesystem), else from the shards already on the Hub (downloaded at the head commit).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
from datasets import Features
from huggingface_hub import CommitOperationAdd, HfApi
from huggingface_hub.errors import RemoteEntryNotFoundError

from ouro_toolkit.hub.auth import resolve_token
from ouro_toolkit.hub.build_folder import BuildFolder
from ouro_toolkit.hub.cards import render_dataset_card
from ouro_toolkit.hub.errors import HubPushError, explain
from ouro_toolkit.hub.retry import (
    HubRetryExhausted,
    RetryPolicy,
    is_retryable,
    status_of,
    with_retries,
)
from ouro_toolkit.hub.stats import DatasetStats, compute_stats
from ouro_toolkit.schema import OURO_FEATURES

logger = logging.getLogger(__name__)
REMOTE_SHARD_RE = re.compile(r"^data/train-(\d{5})-of-(\d{5})\.parquet$")


@dataclass
class DatasetPushResult:
    repo_id: str
    shards: list[int]  # the shards this call pushed (or found identical on the Hub)
    num_shards: int
    commit_oid: str | None
    complete: bool  # every shard of the build is on the Hub after this call
    card_written: bool  # this call's commit carried the dataset card
    attempts: int = 1
    url: str = ""

    def __str__(self) -> str:
        return self.url


@dataclass
class _CardCache:
    """Statistics are costly on big shards: compute them once per call, not once per retry."""

    stats: DatasetStats | None = None
    sources: dict[int, Path] = field(default_factory=dict)


def push_dataset(
    build_dir: str | Path,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    shards: list[int] | None = None,
    retry: RetryPolicy | None = None,
) -> DatasetPushResult:
    """Upload completed shards of `build_dir` to the dataset repo `repo_id` (created if needed).

    `shards=None` pushes every completed shard; `ouro build --push-to-hub` calls this with
    `shards=[i]` after shard i completes. The token is `token`, else `HF_TOKEN`, else the login.
    """
    folder = BuildFolder.open(build_dir)
    wanted = sorted(set(shards)) if shards is not None else folder.completed()
    if not wanted:
        raise HubPushError(
            f"{folder.root}: no completed shard to push yet (none has its markers/*.done)"
        )
    folder.check_shards(wanted)
    for index in wanted:
        check_shard_schema(folder.shard_path(index))
    token = resolve_token(token)
    api = HfApi(token=token)
    policy = retry or RetryPolicy()
    cache = _CardCache()
    names = ", ".join(str(i) for i in wanted)
    what = f"pushing shard(s) {names} of {folder.num_shards} to dataset {repo_id}"
    try:
        with_retries(
            lambda _: api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True),
            f"creating dataset repo {repo_id}",
            policy,
        )
        attempts = [0]

        def attempt(number: int) -> DatasetPushResult:
            attempts[0] = number
            return _commit_once(api, folder, repo_id, wanted, cache)

        result = with_retries(attempt, what, policy)
    except HubPushError:
        raise
    except Exception as err:
        if not _is_hub_error(err):
            raise
        raise explain(
            err,
            what,
            token,
            "Nothing of this push was committed (a Hub commit is all or nothing), so no card announces "
            f"it; rerun `ouro push {folder.root} --repo {repo_id}` to retry (files already there are skipped).",
        ) from err
    result.attempts = attempts[0]
    logger.info(
        "%s: committed %s; %s",
        what,
        result.commit_oid,
        "all shards are up and the card is written"
        if result.card_written
        else "the set is not complete yet",
    )
    return result


def _commit_once(
    api: HfApi, folder: BuildFolder, repo_id: str, wanted: list[int], cache: _CardCache
) -> DatasetPushResult:
    head = api.dataset_info(repo_id).sha
    remote = _remote_data_files(api, repo_id, head)
    _check_no_other_shard_count(remote, folder.num_shards, repo_id)
    present = {i for i in range(folder.num_shards) if folder.repo_path(i) in remote}
    complete = present | set(wanted) == set(range(folder.num_shards))
    operations = [
        CommitOperationAdd(folder.repo_path(i), str(folder.shard_path(i))) for i in wanted
    ]
    message = f"Add shard(s) {', '.join(map(str, wanted))} of {folder.num_shards}"
    if complete:
        card = _render_card(api, folder, repo_id, head, cache)
        operations.append(CommitOperationAdd("README.md", card.encode("utf-8")))
        message += " and the dataset card (all shards present)"
    commit = api.create_commit(
        repo_id, operations, repo_type="dataset", parent_commit=head, commit_message=message
    )
    return DatasetPushResult(
        repo_id=repo_id,
        shards=wanted,
        num_shards=folder.num_shards,
        commit_oid=commit.oid,
        complete=complete,
        card_written=complete,
        url=f"{api.endpoint}/datasets/{repo_id}",
    )


def _render_card(
    api: HfApi, folder: BuildFolder, repo_id: str, head: str | None, cache: _CardCache
) -> str:
    for index in range(folder.num_shards):
        if index in cache.sources:
            continue
        if folder.is_complete(index):
            cache.sources[index] = folder.shard_path(index)
        else:  # built elsewhere (no shared filesystem): read the copy already on the Hub
            logger.info(
                "shard %d is not in %s; reading it from the Hub for the card", index, folder.root
            )
            local = api.hf_hub_download(
                repo_id, folder.repo_path(index), repo_type="dataset", revision=head
            )
            cache.sources[index] = Path(local)
    if cache.stats is None:
        cache.stats = compute_stats(cache.sources[i] for i in range(folder.num_shards))
    card = render_dataset_card(repo_id, folder.config, cache.stats, num_shards=folder.num_shards)
    return str(card)


def _remote_data_files(api: HfApi, repo_id: str, head: str | None) -> set[str]:
    """Files under data/ at exactly `head` (the commit we will build on), not at a later "main"."""
    try:
        entries = api.list_repo_tree(
            repo_id, path_in_repo="data", revision=head, repo_type="dataset"
        )
        return {entry.path for entry in entries}
    except RemoteEntryNotFoundError:  # no data/ folder yet
        return set()


def check_shard_schema(path: Path) -> None:
    """Refuse a shard whose features are not the OURO row: the published data would not load."""
    metadata = pq.read_schema(path).metadata or {}
    raw = metadata.get(b"huggingface")
    if raw is None:
        raise HubPushError(
            f"{path}: no `datasets` features in the Parquet metadata; write shards with `ouro build`"
        )
    features = Features.from_dict(json.loads(raw)["info"]["features"])
    if features != OURO_FEATURES:
        extra = sorted(set(features) - set(OURO_FEATURES))
        missing = sorted(set(OURO_FEATURES) - set(features))
        differing = sorted(
            k for k in set(features) & set(OURO_FEATURES) if features[k] != OURO_FEATURES[k]
        )
        raise HubPushError(
            f"{path}: not the OURO row schema (missing {missing}, unexpected {extra}, different types {differing}); "
            "rebuild the shard with this toolkit version (`ouro rebuild`)"
        )


def _check_no_other_shard_count(remote: set[str], num_shards: int, repo_id: str) -> None:
    others = sorted(
        {int(m.group(2)) for p in remote if (m := REMOTE_SHARD_RE.match(p))} - {num_shards}
    )
    if others:
        raise HubPushError(
            f"dataset {repo_id} already holds shards of a {others[0]}-shard build, this build has {num_shards}: "
            "their files would mix under data/train-*; push to a new repo (or delete the old data/ folder first)"
        )


def _is_hub_error(err: Exception) -> bool:
    return isinstance(err, HubRetryExhausted) or status_of(err) is not None or is_retryable(err)
