"""Benchmark metrics, each a plain function written once (a module per family).

Per-sample scores in [0, 1]: `vqa_accuracy`, `anls`, `relaxed_accuracy`, `exact_match`,
`option_accuracy`, `wtq_accuracy`. Corpus scores: `kie_f1` (DUE F1) and `cider`. Every function
takes `profile="official"`, `"strict"` or `"contains"` (see `profiles`).
"""

from ouro_toolkit.metrics.anls import anls
from ouro_toolkit.metrics.caption import cider, cider_scores
from ouro_toolkit.metrics.exact import exact_match
from ouro_toolkit.metrics.kie import kie_f1, kie_f1_detail
from ouro_toolkit.metrics.options import extract_option, option_accuracy
from ouro_toolkit.metrics.profiles import CONTAINS, OFFICIAL, PROFILES, STRICT
from ouro_toolkit.metrics.relaxed import relaxed_accuracy
from ouro_toolkit.metrics.vqa import normalize_vqa_answer, vqa_accuracy
from ouro_toolkit.metrics.wtq import wtq_accuracy

__all__ = [
    "CONTAINS",
    "OFFICIAL",
    "PROFILES",
    "STRICT",
    "anls",
    "cider",
    "cider_scores",
    "exact_match",
    "extract_option",
    "kie_f1",
    "kie_f1_detail",
    "normalize_vqa_answer",
    "option_accuracy",
    "relaxed_accuracy",
    "vqa_accuracy",
    "wtq_accuracy",
]
