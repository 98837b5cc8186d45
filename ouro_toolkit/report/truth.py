"""Truth beside a `scenes` row: the true objects' boxes and the row's truth scores.

The scores are the experiment's own truth check (`check_row`: region labels right, objects d0
names with the right colour, QA that are exact questions of the scene answered right), so the
page says what `make demo` and `ouro experiment` say about the same row.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.experiment.truth_check import check_row
from ouro_toolkit.scenes.generate import scene_from_id


def truth_of(row: dict[str, Any]) -> dict[str, Any] | None:
    """{"ts": scores, "tb": [[x0, y0, x1, y1, label, depth], ...]} or None (not a scenes row)."""
    if row.get("source") != "scenes":
        return None
    scene = scene_from_id(str(row["id"]).removeprefix("scenes/"), render=False)
    if scene is None:
        return None
    boxes = [[*o.bbox, o.label, o.depth] for o in scene.objects]
    scores = check_row(row) if row.get("status") == "ok" else None
    return {"ts": scores, "tb": boxes, "tw": scene.width, "th": scene.height}
