"""Publishing a build folder as a Hub dataset repo: `push_dataset`.

How concurrent workers stay safe, and why a failed push never announces a partial set:

- Each call commits its own shards in one commit, without `parent_commit`. Workers write
  disjoint files, so their commits never conflict in content. The Hub can still answer 409
  (a lock held by another commit), 429 or 5xx: those are retried with jittered backoff.
- The card is written only once every `data/train-XXXXX-of-N.parquet` is on the Hub. After its
  commit, a worker lists `data/` *at its own commit*. That snapshot is immutable and holds every
  earlier commit, so whoever commits last sees the full set and writes the card. Several workers
  may all see it and write it; the content is the same, so the later writes change nothing. The
  listing never relies on a fresh read of the branch head, which the Hub may serve from a cache.
  When one call pushes the whole set, the shards and the card go in the same commit.
- A Hub commit is all or nothing. When the shard commit fails for good, nothing of the call is
  on the Hub. When the card commit fails, the shards are there but no card announces the set.
  Rerunning the same push resumes either way: identical files are skipped and the card is
  written.

The card's statistics are computed from all shards. They come from the local build folder when
it has them (a shared filesystem), otherwise from the shards already on the Hub.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
from datasets import Features
from huggingface_hub import CommitInfo, CommitOperationAdd, HfApi
from huggingface_hub.errors import RemoteEntryNotFoundError, RevisionNotFoundError

from ouro_toolkit.hub.auth import resolve_token
from ouro_toolkit.hub.build_folder import BuildFolder
from ouro_toolkit.hub.cards import render_dataset_card
from ouro_toolkit.hub.errors import HubPushError, check_repo_id, raise_explained
from ouro_toolkit.hub.retry import (
    RetryPolicy,
    with_retries,
)
from ouro_toolkit.hub.stats import DatasetStats, compute_stats
from ouro_toolkit.layout import DATA_DIR, shard_counts
from ouro_toolkit.schema import OURO_FEATURES

logger = logging.getLogger(__name__)


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
    check_repo_id(repo_id)
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
    push = _Push(HfApi(token=token), folder, repo_id, wanted, retry or RetryPolicy())
    rerun = f"rerun `ouro push {folder.root} --repo {repo_id}`"
    try:
        with_retries(
            lambda _: push.api.create_repo(
                repo_id, repo_type="dataset", private=private, exist_ok=True
            ),
            f"creating dataset repo {repo_id}",
            push.policy,
        )
        _check_no_other_shard_count(push.files_at("main"), folder.num_shards, repo_id)
        result = push.commit_shards()
    except Exception as err:
        raise_explained(
            err,
            push.what,
            token,
            "Nothing of this push was committed (a Hub commit is all or nothing), so no card "
            f"announces it; {rerun} to retry (files already there are skipped).",
        )
    if not result.card_written:
        try:
            push.write_card_if_complete(result)
        except Exception as err:
            raise_explained(
                err,
                f"writing the dataset card of {repo_id}",
                token,
                f"Shard(s) {push.names} are on the Hub, but no card was written, so the repo does "
                f"not announce the set as complete; {rerun} to write it.",
            )
    logger.info(
        "%s: %s",
        push.what,
        "complete, card written" if result.card_written else "set not complete yet",
    )
    return result


@dataclass
class _Push:
    """One `push_dataset` call: commit this call's shards, then the card if the set is complete.

    Completeness is read from the tree *at our own commit* (an immutable snapshot that holds
    every earlier commit, so the last worker to commit always sees the full set), joined with
    the tree at "main" (in case a later worker already committed). Nothing depends on a fresh
    read of the branch head, which the Hub may serve from a cache.
    """

    api: HfApi
    folder: BuildFolder
    repo_id: str
    wanted: list[int]
    policy: RetryPolicy
    cache: _CardCache = field(default_factory=_CardCache)

    @property
    def names(self) -> str:
        return ", ".join(map(str, self.wanted))

    @property
    def what(self) -> str:
        return (
            f"pushing shard(s) {self.names} of {self.folder.num_shards} to dataset {self.repo_id}"
        )

    def _shard_ops(self) -> list[CommitOperationAdd]:
        # Fresh operations on every try: a CommitOperationAdd is single-use once committed.
        return [
            CommitOperationAdd(self.folder.repo_path(i), str(self.folder.shard_path(i)))
            for i in self.wanted
        ]

    def commit_shards(self) -> DatasetPushResult:
        n = self.folder.num_shards
        # This call alone completes the set: shards and card go up in one atomic commit.
        everything = self.wanted == list(range(n))
        message = f"Add shard(s) {self.names} of {n}" + (
            " and the dataset card" if everything else ""
        )
        card = self.render_card({}) if everything else None
        tries = [0]

        def commit(attempt: int) -> CommitInfo:
            tries[0] = attempt
            ops = self._shard_ops() + (
                [CommitOperationAdd("README.md", card.encode())] if card else []
            )
            return self.api.create_commit(
                self.repo_id, ops, repo_type="dataset", commit_message=message
            )

        info = with_retries(commit, self.what, self.policy)
        return DatasetPushResult(
            repo_id=self.repo_id,
            shards=self.wanted,
            num_shards=n,
            commit_oid=info.oid,
            complete=everything,
            card_written=everything,
            attempts=tries[0],
            url=f"{self.api.endpoint}/datasets/{self.repo_id}",
        )

    def write_card_if_complete(self, result: DatasetPushResult) -> None:
        own = result.commit_oid or "main"
        at_own = self.files_at(own)
        where = {path: own for path in at_own}
        where.update({path: "main" for path in self.files_at("main") - at_own})
        if not all(self.folder.repo_path(i) in where for i in range(self.folder.num_shards)):
            return
        card = self.render_card(where)
        info = with_retries(
            lambda _: self.api.create_commit(
                self.repo_id,
                [CommitOperationAdd("README.md", card.encode())],
                repo_type="dataset",
                commit_message=f"Dataset card: all {self.folder.num_shards} shards are present",
            ),
            f"writing the dataset card of {self.repo_id}",
            self.policy,
        )
        result.complete = result.card_written = True
        result.commit_oid = info.oid

    def files_at(self, revision: str) -> set[str]:
        """Files under data/ at `revision`; a just-made commit may need a moment to be readable."""
        for wait in (0.5, 1.0, 2.0, 4.0, None):
            try:
                entries = self.api.list_repo_tree(
                    self.repo_id, "data", revision=revision, repo_type="dataset"
                )
                return {entry.path for entry in entries}
            except RemoteEntryNotFoundError:  # no data/ folder yet
                return set()
            except RevisionNotFoundError:
                if wait is None:
                    raise
                time.sleep(wait)
        raise AssertionError("unreachable")

    def render_card(self, where: dict[str, str]) -> str:
        """The card, with statistics over every shard: local copies, else the Hub's (at `where`)."""
        for index in range(self.folder.num_shards):
            if index in self.cache.sources:
                continue
            if self.folder.is_complete(index):
                self.cache.sources[index] = self.folder.shard_path(index)
                continue
            path = self.folder.repo_path(index)  # built elsewhere, no shared filesystem
            logger.info(
                "shard %d is not in %s; reading the Hub's copy for the card",
                index,
                self.folder.root,
            )
            local = self.api.hf_hub_download(
                self.repo_id, path, repo_type="dataset", revision=where[path]
            )
            self.cache.sources[index] = Path(local)
        if self.cache.stats is None:
            self.cache.stats = compute_stats(
                self.cache.sources[i] for i in range(self.folder.num_shards)
            )
        card = render_dataset_card(
            self.repo_id, self.folder.config, self.cache.stats, num_shards=self.folder.num_shards
        )
        return str(card)


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
        shard_counts({p for p in remote if p.startswith(f"{DATA_DIR}/")}) - {num_shards}
    )
    if others:
        raise HubPushError(
            f"dataset {repo_id} already holds shards of a {others[0]}-shard build, this build has {num_shards}: "
            "their files would mix under data/train-*; push to a new repo (or delete the old data/ folder first)"
        )
