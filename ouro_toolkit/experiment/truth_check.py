"""How right the OURO rows M0 wrote are, read against the scenes' truth.

For a built row of the `scenes` source (its id names the scene): region labels against what a
perfect describer says about the same box, d0's objects against the true objects, and the
QA pairs against the scene's exact questions. This is the "why" beside the M0-vs-M1 table.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.regions.box import iou
from ouro_toolkit.scenes.generate import scene_from_id
from ouro_toolkit.scenes.language import qa_pairs
from ouro_toolkit.scenes.matching import answer_is_right, score_description
from ouro_toolkit.scenes.oracle import MIN_IOU, describe_region
from ouro_toolkit.scenes.truth import Scene, SceneObject


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("?", " ").split())


def check_row(row: dict[str, Any]) -> dict[str, Any]:
    scene = scene_from_id(str(row["id"]).removeprefix("scenes/"), render=False)
    if scene is None:
        raise ValueError(f"row {row['id']!r} is not a scenes row; truth checks need one")
    regions = [r for r in row.get("regions") or [] if int(r["parent_id"]) >= 0]
    labels_right = coloured = colour_right = both_right = 0
    for region in regions:
        box = tuple(region["bbox"])
        true_label, _ = describe_region(scene, box)
        words = (region.get("label") or "").lower().split()
        name_right = true_label in words
        labels_right += name_right
        shown = _object_of(scene, box)
        if shown is not None and shown.colour:  # the crop is one object's: its colour is known
            coloured += 1
            colour_right += shown.colour in words
            both_right += name_right and shown.colour in words
    d0 = score_description(scene, row.get("description") or "")
    exact = {_norm(p["question"]): p for p in qa_pairs(scene)}
    asked = [(q, exact.get(_norm(q["question"]))) for q in row.get("qa") or []]
    known = [(q, p) for q, p in asked if p is not None]
    return {
        "regions": len(regions),
        "labels_right": labels_right,  # the shape or object name (what `describe_region` says)
        "labels_coloured": coloured,  # regions that are one object's crop: a colour to name
        "labels_colour_right": colour_right,
        "labels_both_right": both_right,  # name and colour, of those
        "d0_objects": d0.objects,
        "d0_mentions": d0.mentions,
        "d0_named": d0.named,
        "d0_colour_right": d0.right_colour,
        "qa": len(asked),
        "qa_exact_questions": len(known),
        "qa_right": sum(answer_is_right(p["kind"], p["answer"], q["answer"]) for q, p in known),
    }


def _object_of(scene: Scene, box: tuple[float, ...]) -> SceneObject | None:
    """The object whose crop `box` is (as the oracle decides it), if any."""
    scored = [(iou(box, o.bbox), -o.depth, o) for o in scene.objects]
    best = max(scored, key=lambda t: t[:2], default=None)
    return best[2] if best is not None and best[0] >= MIN_IOU else None


def summarise(checks: list[dict[str, Any]]) -> dict[str, float]:
    total = {k: sum(c[k] for c in checks) for k in checks[0]} if checks else {}
    if not total:
        return {}

    def ratio(a: str, b: str) -> float:
        return total[a] / total[b] if total[b] else 0.0

    return {
        "rows": len(checks),
        "region_label_accuracy": ratio("labels_right", "regions"),
        "region_colour_accuracy": ratio("labels_colour_right", "labels_coloured"),
        "region_name_and_colour_accuracy": ratio("labels_both_right", "labels_coloured"),
        "d0_object_precision": ratio("d0_named", "d0_mentions"),
        "d0_object_recall": ratio("d0_named", "d0_objects"),
        "d0_colour_recall": ratio("d0_colour_right", "d0_objects"),
        "qa_exact_share": ratio("qa_exact_questions", "qa"),
        "qa_answer_accuracy": ratio("qa_right", "qa_exact_questions"),
    }


def one_line(check: dict[str, Any]) -> str:
    return (
        f"vs truth: region labels {check['labels_right']}/{check['regions']} right "
        f"(shape or name; colour right {check['labels_colour_right']}/{check['labels_coloured']}, "
        f"both {check['labels_both_right']}/{check['labels_coloured']}); "
        f"d0 names {check['d0_named']}/{check['d0_objects']} true objects "
        f"({check['d0_mentions']} named, colour right for {check['d0_colour_right']}); "
        f"QA {check['qa_exact_questions']}/{check['qa']} are exact questions of the scene, "
        f"{check['qa_right']} answered right"
    )
