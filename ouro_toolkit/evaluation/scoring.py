"""From raw model text to a benchmark score: answer extraction, then the benchmark's metric.

A failed generation (prediction None) scores 0 (it costs recall for KIE F1, and is an empty
caption for CIDEr): it counts as wrong, never dropped. Samples without ground truth (ST-VQA's
submission-only test split) are "unscored" (None) and left out of the mean.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ouro_toolkit.backends.messages import strip_special_tokens
from ouro_toolkit.errors import UnknownName
from ouro_toolkit.evaluation.samples import Sample
from ouro_toolkit.metrics import (
    anls,
    cider_scores,
    exact_match,
    kie_f1_detail,
    option_accuracy,
    relaxed_accuracy,
    vqa_accuracy,
    wtq_accuracy,
)


def _short(text: str) -> str:
    lines = [line.strip() for line in strip_special_tokens(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


def _yes_no(text: str) -> str:
    """ "Yes, the cat is ..." -> "yes"; "False." -> "no"; ambiguous text is returned as is."""
    clean = strip_special_tokens(text)
    words = re.findall(r"[a-z]+", clean.lower())
    mapping = {"yes": "yes", "true": "yes", "no": "no", "false": "no"}
    if words and words[0] in mapping:
        return mapping[words[0]]
    said = {mapping[w] for w in words if w in mapping}
    return said.pop() if len(said) == 1 else clean


# Every extractor starts from `strip_special_tokens`: `transformers serve` leaves chat-template
# tokens (<|im_end|>) in replies, and the backends' cleaner is the one definition.
EXTRACTORS: dict[str, Callable[[str], str]] = {
    "short": _short,  # first non-empty line (short-answer VQA)
    "raw": strip_special_tokens,  # the whole reply
    "caption": lambda t: " ".join(strip_special_tokens(t).split()),
    "option": strip_special_tokens,  # option_accuracy reads the option itself
    "yes_no": _yes_no,
}


# Benchmarks whose reference scorer differs from the metric's default one: keyword arguments for
# the metric function (see each metric's module docstring).
METRIC_OPTIONS: dict[str, dict[str, str]] = {
    "vqav2": {"processor": "vqa"},  # vqaEval.py's processing; TextVQA/OK-VQA/VizWiz use mmf's
    "ai2d": {"rule": "ai2d"},  # lmms-eval's AI2D filter; ScienceQA/IconQA use the ScienceQA rule
}

Options = Mapping[str, str]


@dataclass
class Scored:
    score: float | None  # in [0, 1]; None when no sample had ground truth
    per_sample: list[float | None]
    details: dict[str, float]


def _mean(per_sample: list[float | None]) -> float | None:
    values = [v for v in per_sample if v is not None]
    return sum(values) / len(values) if values else None


def _per_sample(fn: Callable[[str, Sample, str, Options], float]):
    def scorer(
        samples: Sequence[Sample],
        predictions: Sequence[str | None],
        profile: str,
        options: Options,
    ) -> Scored:
        per: list[float | None] = []
        for sample, prediction in zip(samples, predictions, strict=True):
            if sample.error is not None:
                per.append(0.0)  # an unreadable row counts as wrong
            elif not sample.has_ground_truth:
                per.append(None)
            elif prediction is None:
                per.append(0.0)
            else:
                per.append(fn(prediction, sample, profile, options))
        return Scored(_mean(per), per, {})

    return scorer


def _option(prediction: str, sample: Sample, profile: str, options: Options) -> float:
    if sample.choices and sample.answer_index is not None:
        return option_accuracy(
            prediction, sample.choices, sample.answer_index, profile=profile, **options
        )
    return exact_match(prediction, sample.answers, profile=profile)  # IconQA fill-in-the-blank


def _relaxed(prediction: str, sample: Sample, profile: str, options: Options) -> float:
    return relaxed_accuracy(prediction, sample.answers, profile=profile)


def _relaxed_by_split(
    samples: Sequence[Sample], predictions: Sequence[str | None], profile: str, options: Options
) -> Scored:
    """ChartQA: overall, plus the human-written and augmented halves (its `type` column)."""
    scored = _per_sample(_relaxed)(samples, predictions, profile, options)
    for kind in ("human_test", "augmented_test"):
        part = [
            v for s, v in zip(samples, scored.per_sample, strict=True) if s.meta.get("type") == kind
        ]
        mean = _mean(part)
        if mean is not None:
            scored.details[kind.removesuffix("_test")] = mean
    return scored


def _kie(
    samples: Sequence[Sample], predictions: Sequence[str | None], profile: str, options: Options
) -> Scored:
    result = kie_f1_detail(list(predictions), [s.answers for s in samples], profile=profile)
    return Scored(
        result.f1, list(result.per_item), {"precision": result.precision, "recall": result.recall}
    )


def _cider(
    samples: Sequence[Sample], predictions: Sequence[str | None], profile: str, options: Options
) -> Scored:
    keyed = [(i, s) for i, s in enumerate(samples) if s.has_ground_truth]
    if not keyed:
        return Scored(None, [None] * len(samples), {})
    preds = {i: predictions[i] or "" for i, _ in keyed}
    refs = {i: s.answers for i, s in keyed}
    corpus, per = cider_scores(preds, refs, profile=profile)
    return Scored(corpus, [per.get(i) for i in range(len(samples))], {})


def _scenes(
    samples: Sequence[Sample], predictions: Sequence[str | None], profile: str, options: Options
) -> Scored:
    """`scenes`: exact QA by kind, descriptions by object precision/recall against the truth.

    The score is the mean of QA accuracy and the descriptions' mean F1 (objects named), so
    neither half outweighs the other whatever the mix of samples.
    """
    from ouro_toolkit.scenes.generate import scene_from_id
    from ouro_toolkit.scenes.matching import answer_is_right, score_description

    per: list[float | None] = []
    qa: dict[str, list[float]] = {}
    totals = {"objects": 0, "mentions": 0, "named": 0, "colour": 0, "position": 0}
    f1s: list[float] = []
    for sample, prediction in zip(samples, predictions, strict=True):
        kind = sample.meta.get("kind", "")
        text = "" if sample.error is not None or prediction is None else prediction
        if kind == "describe":
            scene = scene_from_id(str(sample.meta.get("scene", "")), render=False)
            if scene is None:
                per.append(None)
                continue
            result = score_description(scene, text)
            totals["objects"] += result.objects
            totals["mentions"] += result.mentions
            totals["named"] += result.named
            totals["colour"] += result.right_colour
            totals["position"] += result.right_position
            f1s.append(result.f1)
            per.append(result.f1)
        elif sample.answers:
            value = float(bool(text) and answer_is_right(kind, sample.answers[0], text))
            qa.setdefault(kind, []).append(value)
            per.append(value)
        else:
            per.append(None)
    details: dict[str, float] = {}
    halves = []
    every = [v for values in qa.values() for v in values]
    if every:
        details["qa"] = sum(every) / len(every)
        halves.append(details["qa"])
        details.update({f"qa_{k}": sum(v) / len(v) for k, v in sorted(qa.items())})
    if f1s:
        halves.append(sum(f1s) / len(f1s))
        details["description_f1"] = halves[-1]
        mentions, objects = max(1, totals["mentions"]), max(1, totals["objects"])
        details["description_precision"] = totals["named"] / mentions
        details["description_recall"] = totals["named"] / objects
        details["description_colour"] = totals["colour"] / objects
        details["description_position"] = totals["position"] / objects
    return Scored(sum(halves) / len(halves) if halves else None, per, details)


Scorer = Callable[[Sequence[Sample], Sequence[str | None], str, Options], Scored]

SCORERS: dict[str, Scorer] = {
    "vqa_accuracy": _per_sample(
        lambda p, s, prof, opt: vqa_accuracy(p, s.answers, profile=prof, **opt)
    ),
    "anls": _per_sample(lambda p, s, prof, opt: anls(p, s.answers, profile=prof)),
    "relaxed_accuracy": _relaxed_by_split,
    "exact_match": _per_sample(lambda p, s, prof, opt: exact_match(p, s.answers, profile=prof)),
    "option_accuracy": _per_sample(_option),
    "wtq_accuracy": _per_sample(lambda p, s, prof, opt: wtq_accuracy(p, s.answers, profile=prof)),
    "kie_f1": _kie,
    "cider": _cider,
    "scenes": _scenes,
}


def extract(kind: str, text: str | None) -> str | None:
    return None if text is None else EXTRACTORS[kind](text)


def score(
    metric: str,
    samples: Sequence[Sample],
    predictions: Sequence[str | None],
    profile: str,
    *,
    benchmark: str | None = None,
) -> Scored:
    """Score with `metric`, using `benchmark`'s reference-scorer options (`METRIC_OPTIONS`)."""
    if metric not in SCORERS:
        raise UnknownName("metric", metric, SCORERS)
    return SCORERS[metric](samples, predictions, profile, METRIC_OPTIONS.get(benchmark or "", {}))
