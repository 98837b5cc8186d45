"""What a benchmark row becomes before it reaches a model: one `Sample`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sample:
    """One evaluation item, independent of the benchmark's column layout.

    `images` hold whatever the row had (PIL images, `{"bytes","path"}` dicts, paths, URLs); they
    are opened with `ouro_toolkit.images.load_image` only when the request is built, so a broken
    image fails that one sample (listed as a failure), not the run.
    """

    id: str
    prompt: str
    images: list[Any]
    answers: list[str] = field(default_factory=list)  # accepted answers / reference captions
    choices: list[str] | None = None  # multiple choice: option texts, in prompt order
    answer_index: int | None = None  # multiple choice: the right option
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. ChartQA's human/augmented split
    error: str | None = None  # the row could not be read; the sample counts as a failure

    @property
    def has_ground_truth(self) -> bool:
        return bool(self.answers) or self.answer_index is not None
