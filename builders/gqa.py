"""GQA: compositional questions about Visual Genome images.

Layout from the dataset card of `lmms-lab/GQA` (README `dataset_info`, read 2026-12-04:
tests/builders/layouts/gqa.json), which stores questions and images in separate configs:
`<split>_<subset>_instructions` with columns id, imageId, question, answer, ... (the test and
challenge configs have id, imageId, question, isBalanced: no answer), and `<split>_<subset>_images`
with columns id, image. lmms-eval's `lmms_eval/tasks/gqa/utils.py` joins them the same way
(questions' imageId -> images' id), for `testdev_balanced_*`, split `testdev`. Files:
`<split>_<subset>_instructions/<split>-*.parquet` and `<split>_<subset>_images/<split>-*.parquet`.
Subsets `balanced` and `all` exist for the splits testdev, val, train, test and challenge;
`submission` exists only in `all` (`submission_all_*`; there is no `submission_balanced_*`).

Streaming: the question table (text only, ~100 MB for train_balanced) is read into a dict by
imageId; the image files are then streamed and each image is emitted once with all its questions.
Questions whose image never appears are emitted too, with no image and an `error`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import datasets

from ouro_toolkit.builders.base import (
    Normalised,
    OuroSourceBuilder,
    OuroSourceConfig,
    SourceError,
    SourceSpec,
    iter_parquet_rows,
    require_columns,
    strip_internal,
)
from ouro_toolkit.data.catalog import GQA

SPEC = SourceSpec(
    name="gqa",
    task="vqa",
    repo_id=GQA.repo_id,
    splits=("testdev", "val", "train", "test", "challenge", "submission"),
    hub_config="<split>_<subset>_*",
    license="MIT",
    homepage="https://cs.stanford.edu/people/dorarad/gqa/",
    description="GQA: 22M compositional questions over 113k Visual Genome images.",
    citation="@inproceedings{hudson2019gqa, title={GQA: A New Dataset for Real-World Visual Reasoning "
    "and Compositional Question Answering}, author={Hudson, Drew A and Manning, Christopher D}, "
    "booktitle={CVPR}, year={2019}}",
    data_files="{split}_{subset}_instructions/{split}-*.parquet",
    columns=("id", "imageId", "question"),
    optional=("answer",),  # absent from the test, challenge and submission questions
)
IMAGE_FILES = "{split}_{subset}_images/{split}-*.parquet"
IMAGE_COLUMNS = ("id", "image")
SUBSETS = ("balanced", "all")
ALL_ONLY_SPLITS = ("submission",)  # lmms-lab/GQA has submission_all_*, no submission_balanced_*


@dataclass
class GQAConfig(OuroSourceConfig):
    """`subset`: "balanced" (the evaluation standard) or "all"; unset, each split reads "balanced"
    where it exists and "all" where only that does (`submission`), so `--split submission` works
    from the command line, which has no subset option."""

    subset: str = ""


class GQA(OuroSourceBuilder):
    SPEC = SPEC
    BUILDER_CONFIG_CLASS = GQAConfig
    config: GQAConfig

    def check_split(self, split: str) -> None:
        super().check_split(split)
        if self.config.subset and self.config.subset not in SUBSETS:
            raise SourceError(
                f"source 'gqa' has no subset {self.config.subset!r}; its subsets: "
                f"{', '.join(SUBSETS)} (pass subset=...)"
            )
        if self.subset(split) not in SUBSETS[1:] and split in ALL_ONLY_SPLITS:
            raise SourceError(
                f"source 'gqa': split {split!r} exists only in subset 'all' "
                f"({self.source_repo} has {split}_all_* configs, no {split}_balanced_*); "
                f"pass subset='all' or leave subset unset"
            )

    def subset(self, split: str) -> str:
        """The subset `split` is read from: the configured one, else balanced where it exists."""
        if self.config.subset:
            return self.config.subset
        return "all" if split in ALL_ONLY_SPLITS else "balanced"

    def _split_generators(self, dl_manager: Any) -> list[datasets.SplitGenerator]:
        generators = []
        for split in self.SPEC.splits:
            questions = self._files(split, self.SPEC.data_files, "instructions")
            images = self._files(split, IMAGE_FILES, "images")
            if questions or images:
                # Tuples, not lists: the join needs all question files in one generator call.
                kwargs = {"question_files": tuple(questions), "image_files": tuple(images)}
                generators.append(datasets.SplitGenerator(name=split, gen_kwargs=kwargs))
        if not generators:
            raise SourceError(self._no_files_message())
        return generators

    def expected_files(self, split: str) -> str:
        subset = self.subset(split)
        questions = self.SPEC.data_files.replace("{subset}", subset).format(split=split)
        return f"{questions} and {IMAGE_FILES.replace('{subset}', subset).format(split=split)}"

    def _files(self, split: str, pattern: str, kind: str) -> list[str]:
        files = self.split_files(split, pattern.replace("{subset}", self.subset(split)))
        return [f for f in files if kind in f]

    def _generate_examples(
        self, question_files: tuple[str, ...], image_files: tuple[str, ...]
    ) -> Iterator[tuple[Any, dict]]:
        require_columns(question_files, self.SPEC.columns, self.SPEC.name)
        require_columns(image_files, IMAGE_COLUMNS, self.SPEC.name)
        by_image = self._questions_by_image(question_files)
        index = 0
        for file in image_files:
            for raw in iter_parquet_rows(file, source=self.SPEC.name):
                questions = by_image.pop(str(raw["id"]), [])
                yield (
                    datasets.builder.Key(0, index),
                    self._row(str(raw["id"]), raw["image"], questions, file),
                )
                index += 1
        for image_id, questions in by_image.items():  # questions whose image is absent: keep them
            yield datasets.builder.Key(0, index), self._row(image_id, None, questions, None)
            index += 1

    def _questions_by_image(self, files: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
        by_image: dict[str, list[dict[str, Any]]] = {}
        for file in files:
            for raw in iter_parquet_rows(file, source=self.SPEC.name):
                question = {"question": raw["question"], "answer": raw.get("answer")}
                by_image.setdefault(str(raw["imageId"]), []).append(question)
        return by_image

    def _row(
        self, image_id: str, image: Any, questions: list[dict[str, Any]], file: str | None
    ) -> dict:
        row = Normalised(source_id=image_id, image=image)
        for q in questions:
            row.add_qa(q["question"], q["answer"])
        return strip_internal(self.complete(row, file))
