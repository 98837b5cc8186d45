"""The one command-line entry for training, shared by `recipes/train.py` and `ouro train`.

Both parse the same arguments, run `run_training` and turn the errors a user can fix into one
line on stderr and exit code 1, so a bad recipe, dataset, image or model gives the same message
(and never a traceback) whether it runs under `accelerate launch` or as `ouro train`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ouro_toolkit.images import ImageLoadError
from ouro_toolkit.training.config import parse_training_args
from ouro_toolkit.training.data import DatasetSpecError
from ouro_toolkit.training.runner import AdapterPushError, TrainingConfigError, run_training

# Errors whose message already says what is wrong and what to do; anything else is a bug and keeps
# its traceback. OSError: e.g. a model or file that cannot be read (offline Hub, permissions).
KNOWN_ERRORS: tuple[type[BaseException], ...] = (
    TrainingConfigError,
    DatasetSpecError,
    ImageLoadError,
    AdapterPushError,
    OSError,
)


def one_line(exc: BaseException) -> str:
    """The error as one line (library messages often span several)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError):  # name it: "FileNotFoundError: ..." says more than the text
        text = f"{type(exc).__name__}: {text}"
    return text


def _fail(exc: BaseException) -> int:
    print(f"Error: {one_line(exc)}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Parse `--config FILE.yaml [--key value ...]` (argv defaults to sys.argv[1:]), train, and
    return the exit code: 0 when the adapter is saved, 1 on a known error (printed as one line)."""
    import yaml

    try:
        args = parse_training_args(argv, prog=prog)
    # unknown keys in the YAML, malformed values, an unreadable or malformed recipe file
    except (ValueError, OSError, yaml.YAMLError) as exc:
        return _fail(exc)
    try:
        outcome = run_training(args.data, args.training, args.model, args.ouro)
    except KNOWN_ERRORS as exc:
        return _fail(exc)
    print(f"adapter saved to {outcome.output_dir} (global step {outcome.global_step})")
    if outcome.resumed_from:
        print(f"resumed from {outcome.resumed_from}")
    if outcome.hub_url:
        print(f"pushed to {outcome.hub_url}")
    return 0
