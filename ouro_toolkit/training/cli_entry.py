"""The one command-line entry for training, shared by `recipes/train.py` and `ouro train`.

Both parse the same arguments, run `run_training` and turn the errors a user can fix into one
line on stderr and exit code 1, so a bad recipe, dataset, image or model gives the same message
(and never a traceback) whether it runs under `accelerate launch` or as `ouro train`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ouro_toolkit.errors import OuroError, one_line
from ouro_toolkit.training.config import parse_training_args
from ouro_toolkit.training.runner import run_training

# Errors whose message already says what is wrong and what to do; anything else is a bug and keeps
# its traceback. OSError: e.g. a model or file that cannot be read (offline Hub, permissions).
KNOWN_ERRORS: tuple[type[BaseException], ...] = (OuroError, OSError)


def _fail(exc: BaseException) -> int:
    text = one_line(exc)
    if isinstance(exc, OSError) and not isinstance(exc, OuroError):
        text = f"{type(exc).__name__}: {text}"  # "FileNotFoundError: ..." says more than the text
    print(f"Error: {text}", file=sys.stderr)
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
