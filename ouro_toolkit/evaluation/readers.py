"""Row readers: turn one dataset row, in its benchmark's real column layout, into a `Sample`.

A benchmark declaration names its columns; most benchmarks share `read_qa`. Layouts that differ
(multiple choice, DocOwl's chat jsonl, VSR's true/false captions, IconQA) get a small reader.
Sources for each layout are cited in `tasks.py`; a declaration names its reader by its key in
`READERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ouro_toolkit.errors import OuroError
from ouro_toolkit.evaluation.samples import Sample
from ouro_toolkit.metrics.options import letters

if TYPE_CHECKING:
    from ouro_toolkit.evaluation.tasks import Benchmark

Reader = Callable[[dict[str, Any], "Benchmark", int], Sample]


class RowError(OuroError, ValueError):
    """A row lacks a column its benchmark needs; the message names the column and the fix."""


def _get(row: dict[str, Any], column: str, bench: Benchmark) -> Any:
    if column not in row:
        raise RowError(
            f"{bench.name}: row has no column {column!r} (columns: {', '.join(sorted(row))}); "
            f"check the dataset id/config ({bench.hub_id}, {bench.config}) or the local files"
        )
    return row[column]


def _answers(value: Any) -> list[str]:
    """Answers as strings: a string, a list of strings, or VQAv2's list of {"answer": ...}."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    out: list[str] = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("answer")
        if item is not None:
            out.append(str(item))
    return out


def _sample_id(row: dict[str, Any], bench: Benchmark, index: int) -> str:
    if bench.id_column and row.get(bench.id_column) is not None:
        return str(row[bench.id_column])
    return f"{bench.name}-{index}"


def _images(row: dict[str, Any], bench: Benchmark) -> list[Any]:
    images: list[Any] = []
    for column in bench.image_columns:
        value = row.get(column)
        if value is None:
            continue
        images.extend(value if isinstance(value, list) else [value])
    if not images:
        raise RowError(f"{bench.name}: row has no image in {', '.join(bench.image_columns)}")
    return images


def _options_block(choices: list[str]) -> str:
    return "\n".join(
        f"{letter}. {choice}" for letter, choice in zip(letters(len(choices)), choices, strict=True)
    )


def read_qa(row: dict[str, Any], bench: Benchmark, index: int) -> Sample:
    """Open-ended QA and captioning: question (or none) -> answers."""
    question = str(_get(row, bench.question_column, bench)) if bench.question_column else ""
    if bench.capitalize_question:
        question = question.capitalize()
    answers = _answers(row.get(bench.answers_column)) if bench.answers_column else []
    meta = {c: row.get(c) for c in bench.meta_columns}
    return Sample(
        id=_sample_id(row, bench, index),
        prompt=bench.prompt.format(question=question),
        images=_images(row, bench),
        answers=answers,
        meta=meta,
    )


def read_choice(row: dict[str, Any], bench: Benchmark, index: int) -> Sample:
    """Multiple choice with a list of options and the right option's index (ScienceQA, AI2D)."""
    question = str(_get(row, bench.question_column, bench))
    choices = [str(c) for c in _get(row, bench.choices_column, bench)]
    answer_index = int(_get(row, bench.answers_column, bench))
    hint = row.get("hint") or ""
    context = f"Context: {hint}\n" if hint else ""
    return Sample(
        id=_sample_id(row, bench, index),
        prompt=bench.prompt.format(
            context=context, question=question, options=_options_block(choices)
        ),
        images=_images(row, bench),
        answers=[letters(len(choices))[answer_index], choices[answer_index]],
        choices=choices,
        answer_index=answer_index,
    )


def read_iconqa(row: dict[str, Any], bench: Benchmark, index: int) -> Sample:
    """IconQA (lmms-lab/ICON-QA): `ques_type` is choose_txt / choose_img / fill_in_blank.

    choose_txt keeps its options as one comma-separated string; choose_img's options are the
    choice images (lmms-eval words them "The first image." ...); fill_in_blank is free text.
    """
    question = str(_get(row, "question", bench))
    kind = str(row.get("ques_type") or "")
    answer = str(row.get("answer") or "")
    images = _images(row, bench)
    choices: list[str] | None = None
    if kind == "choose_txt":
        choices = [c.strip() for c in str(row.get("choices") or "").split(",") if c.strip()]
    elif kind == "choose_img":
        choices = ["The first image.", "The second image."][: max(len(images) - 1, 1)]
    if choices:
        if answer in choices:
            answer_index = choices.index(answer)
        elif answer.isdigit() and int(answer) < len(choices):
            answer_index = int(answer)
        else:
            raise RowError(f"{bench.name}: answer {answer!r} is not one of the choices {choices}")
        prompt = bench.prompt.format(question=question, options=_options_block(choices))
        return Sample(
            id=_sample_id(row, bench, index),
            prompt=prompt,
            images=images,
            answers=[letters(len(choices))[answer_index], choices[answer_index]],
            choices=choices,
            answer_index=answer_index,
        )
    prompt = (
        "Given a set of images and a question, please provide the answer to the question.\n"
        f"Question: {question}.\nPlease answer the question using a single word or phrase."
    )
    return Sample(id=_sample_id(row, bench, index), prompt=prompt, images=images, answers=[answer])


def read_vsr(row: dict[str, Any], bench: Benchmark, index: int) -> Sample:
    """VSR (cambridgeltl/vsr_zeroshot): a caption about the image and a 0/1 `label`."""
    caption = str(_get(row, "caption", bench))
    label = _get(row, "label", bench)
    truth = "yes" if str(label).strip().lower() in {"1", "true", "yes"} else "no"
    image = _get(row, "image", bench)
    if isinstance(image, str):  # a COCO file name: local file first, else the row's URL
        image = {"path": image, "url": row.get("image_link")}
    return Sample(
        id=_sample_id(row, bench, index),
        prompt=bench.prompt.format(question=caption),
        images=[image],
        answers=[truth],
        meta={"relation": row.get("relation")},
    )


def read_docowl(row: dict[str, Any], bench: Benchmark, index: int) -> Sample:
    """mPLUG/DocDownstream-1.0 test jsonl: `image` (list of paths), `messages` (user, assistant).

    The user turn carries the question after an `<|image|>` marker; the assistant turn is the
    ground truth. DeepForm/KLC ask one key per question ("What is the value for the ...?").
    """
    messages = _get(row, "messages", bench)
    user = next((m["content"] for m in messages if m.get("role") == "user"), None)
    answer = next((m["content"] for m in messages if m.get("role") == "assistant"), None)
    if user is None:
        raise RowError(f"{bench.name}: row's `messages` has no user turn")
    question = user.replace("<|image|>", "").strip()
    answers = (
        [a.strip() for a in answer] if isinstance(answer, list) else [str(answer or "").strip()]
    )
    return Sample(
        id=_sample_id(row, bench, index),
        prompt=bench.prompt.format(question=question),
        images=_images(row, bench),
        answers=[a for a in answers if a],
        meta={"document": str(_images(row, bench)[0])},
    )


SCENE_DESCRIBE_PROMPT = (
    "Describe this image in detail: name every object, its colour and where it is in the image."
)
SCENE_DESCRIBE_TOKENS = 256


def read_scene(row: dict[str, Any], bench: Benchmark, index: int) -> Sample:
    """A `scenes` row: a description request (scored against the scene's objects) or an exact
    question (scored by its kind); `meta` keeps the kind and the scene id."""
    kind = str(_get(row, "kind", bench))
    meta: dict[str, Any] = {"kind": kind, "scene": str(_get(row, "scene", bench))}
    if kind == "describe":
        prompt = SCENE_DESCRIBE_PROMPT
        meta["max_new_tokens"] = SCENE_DESCRIBE_TOKENS
        # No reference text: the truth itself is the reference (see the `scenes` scorer).
        answers = [meta["scene"]]
    else:
        meta["question"] = str(_get(row, "question", bench))
        prompt = bench.prompt.format(question=meta["question"])
        answers = _answers(row.get("answers"))
    return Sample(
        id=_sample_id(row, bench, index),
        prompt=prompt,
        images=_images(row, bench),
        answers=answers,
        meta=meta,
    )


READERS: dict[str, Reader] = {
    "qa": read_qa,
    "choice": read_choice,
    "iconqa": read_iconqa,
    "vsr": read_vsr,
    "docowl": read_docowl,
    "scene": read_scene,
}
