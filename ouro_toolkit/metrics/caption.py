"""CIDEr for captioning (COCO Caption, Flickr30K, TextCaps) through pycocoevalcap.

Captions go through the Stanford PTB tokenizer (Java; `pycocoevalcap.tokenizer.ptbtokenizer`),
then `pycocoevalcap.cider.Cider` scores them, exactly the pipeline of `COCOEvalCap` and lmms-eval.
CIDEr's document frequencies come from the references of the evaluated set, so a score depends on
the whole set: compare models on the same samples only. Scores are on CIDEr's own scale (1.0 is
usually written "100").
"""

from __future__ import annotations

import shutil
from collections.abc import Hashable, Mapping, Sequence

from ouro_toolkit.metrics.profiles import check_profile

# An empty caption would become an empty line, which the line-preserving tokenizer may drop,
# shifting every later caption onto the wrong image. This placeholder tokenises to itself and
# shares no n-gram with real captions, so an empty caption still scores 0.
_EMPTY = "emptycaptionplaceholder"


def _require_java() -> None:
    if shutil.which("java") is None:
        raise RuntimeError(
            "CIDEr needs Java for pycocoevalcap's PTB tokenizer: install a JRE (Java 17 works), "
            "e.g. `apt-get install openjdk-17-jre-headless`"
        )


def cider_scores(
    predictions: Mapping[Hashable, str],
    references: Mapping[Hashable, Sequence[str]],
    *,
    profile: str = "official",
) -> tuple[float, dict[Hashable, float]]:
    """Corpus CIDEr and the per-sample scores, keyed like `predictions`.

    The `strict` and `contains` profiles do not apply to captioning; they are accepted so every
    benchmark can be run under any profile, and score exactly as `official`.
    """
    check_profile(profile)
    missing = [k for k in predictions if k not in references]
    if missing:
        raise ValueError(
            f"cider: no references for {len(missing)} prediction ids, e.g. {missing[0]!r}"
        )
    if not predictions:
        return 0.0, {}
    _require_java()
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    keys = list(predictions)
    # pycocoevalcap sorts ids, so use dense ints and map back.
    res = {i: [{"caption": (predictions[k] or "").strip() or _EMPTY}] for i, k in enumerate(keys)}
    gts = {i: [{"caption": c} for c in references[k]] for i, k in enumerate(keys)}
    tokenizer = PTBTokenizer()
    score, per = Cider().compute_score(tokenizer.tokenize(gts), tokenizer.tokenize(res))
    return float(score), {k: float(per[i]) for i, k in enumerate(keys)}


def cider(
    predictions: Mapping[Hashable, str],
    references: Mapping[Hashable, Sequence[str]],
    *,
    profile: str = "official",
) -> float:
    """Corpus CIDEr of `predictions` ({id: caption}) against `references` ({id: [captions]})."""
    return cider_scores(predictions, references, profile=profile)[0]
