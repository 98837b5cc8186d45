"""Publishing a trained LoRA adapter with its model card: `push_adapter`.

Only the adapter and processor files are uploaded (an allow-list): a trainer's output folder also
holds checkpoints, optimizer state and `training_args.bin`, which can contain a hub token. The
files and the card go up in one commit, so the repo never shows an adapter without its card.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huggingface_hub import CommitOperationAdd, EvalResult, HfApi

from ouro_toolkit.hub.auth import resolve_token
from ouro_toolkit.hub.cards import render_model_card
from ouro_toolkit.hub.errors import HubPushError, check_repo_id, raise_explained
from ouro_toolkit.hub.retry import RetryPolicy, with_retries

logger = logging.getLogger(__name__)

WEIGHT_FILES = ("adapter_model.safetensors", "adapter_model.bin")
EXTRA_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "chat_template.jinja",
    "chat_template.json",
    "preprocessor_config.json",
    "processor_config.json",
    "video_preprocessor_config.json",
)


@dataclass
class AdapterPushResult:
    repo_id: str
    commit_oid: str | None
    files: list[str]
    url: str

    def __str__(self) -> str:
        return self.url


def adapter_files(adapter_dir: Path) -> list[Path]:
    """The files to publish from a PEFT output folder; raises when it is not one."""
    if not (adapter_dir / "adapter_config.json").is_file() or not any(
        (adapter_dir / name).is_file() for name in WEIGHT_FILES
    ):
        raise HubPushError(
            f"{adapter_dir}: not a PEFT adapter folder (needs adapter_config.json and adapter_model.safetensors); "
            "pass the folder written by `model.save_pretrained()` / the trainer's output_dir"
        )
    names = ("adapter_config.json", *WEIGHT_FILES, *EXTRA_FILES)
    return [adapter_dir / name for name in names if (adapter_dir / name).is_file()]


def push_adapter(
    adapter_dir: str | Path,
    repo_id: str,
    *,
    base_model: str,
    dataset_repo: str | None = None,
    dataset_revision: str | None = None,
    hyperparameters: Mapping[str, Any],
    eval_results: Iterable[EvalResult | Mapping[str, Any]] | None = None,
    token: str | None = None,
    private: bool = False,
    license: str | None = None,
    retry: RetryPolicy | None = None,
) -> AdapterPushResult:
    """Upload a PEFT adapter and its model card to the model repo `repo_id`, in one commit.

    It loads back with `PeftModel.from_pretrained(base, repo_id)`. `license` is the card's
    licence id (usually the base model's, e.g. "apache-2.0" for Qwen2-VL).
    """
    check_repo_id(repo_id)
    adapter_dir = Path(adapter_dir)
    if dataset_revision and not dataset_repo:
        logger.warning("dataset_revision %r ignored: no dataset_repo was given", dataset_revision)
        dataset_revision = None
    files = adapter_files(adapter_dir)
    adapter_config = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    recorded = adapter_config.get("base_model_name_or_path")
    if recorded and recorded != base_model:
        logger.warning(
            "adapter_config.json names base model %r; the card says %r", recorded, base_model
        )
    card = render_model_card(
        repo_id,
        base_model=base_model,
        hyperparameters=hyperparameters,
        dataset_repo=dataset_repo,
        dataset_revision=dataset_revision,
        eval_results=eval_results,
        adapter_config=adapter_config,
        license=license,
    )
    token = resolve_token(token)
    api = HfApi(token=token)
    policy = retry or RetryPolicy()
    what = f"pushing adapter {adapter_dir} to model repo {repo_id}"

    def commit(_: int) -> Any:
        # Fresh operations each try: a CommitOperationAdd is single-use once committed.
        operations = [CommitOperationAdd(path.name, str(path)) for path in files]
        operations.append(CommitOperationAdd("README.md", str(card).encode("utf-8")))
        return api.create_commit(
            repo_id,
            operations,
            repo_type="model",
            commit_message=f"Upload OURO LoRA adapter for {base_model}",
        )

    try:
        with_retries(
            lambda _: api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True),
            f"creating model repo {repo_id}",
            policy,
        )
        info = with_retries(commit, what, policy)
    except Exception as err:
        raise_explained(err, what, token, "Nothing was committed; rerun to retry.")
    logger.info("%s: committed %s", what, info.oid)
    return AdapterPushResult(
        repo_id, info.oid, [p.name for p in files] + ["README.md"], f"{api.endpoint}/{repo_id}"
    )
