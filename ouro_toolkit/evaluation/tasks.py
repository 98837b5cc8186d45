"""The benchmark registry: one small declaration per benchmark of the paper (§4, Tables 1-4).

Each declaration says where the data lives (Hub id, config, split, or files inside a repo), the
columns of its real layout, the prompt, how to read a prediction, and the metric. Column layouts
and prompts come from each dataset's card and lmms-eval's task YAML/utils (EvolvingLMMs-Lab/
lmms-eval, `lmms_eval/tasks/<task>/`), cited per entry.

Datasets a source builder reads too are declared once, in `ouro_toolkit/data/catalog.py`.
Hub ids default to the `lmms-lab` organisation; lmms-eval moved its copies to `lmms-lab-encoder`
in 2026, so `resolve_hub_id(bench, org=...)` (CLI `--hub-org`) swaps the organisation of every
lmms-lab id, and `hub_ids={"name": "owner/repo"}` (CLI `--dataset name=owner/repo`) overrides one.

To add a benchmark: write one `Benchmark(...)` in `_ALL` below (a new row layout also needs a
reader in readers.py and its line in `READERS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ouro_toolkit.data import DatasetRef
from ouro_toolkit.data.catalog import (
    AI2D,
    CHARTQA,
    COCO_CAPTION,
    DOCVQA,
    GQA,
    INFOVQA,
    OKVQA,
    SCIENCEQA,
    TEXTCAPS,
    TEXTVQA,
    VIZWIZ,
    VQAV2,
    is_lmms_lab,
    moved_id,
)
from ouro_toolkit.errors import ConfigError, UnknownName
from ouro_toolkit.evaluation.generated import scene_rows

# lmms-eval's default short-answer suffix (vqav2/gqa/textvqa/docvqa/chartqa/stvqa YAML).
SHORT = "\nAnswer the question using a single word or phrase."
# lmms-eval's OK-VQA and VizWiz suffix.
UNANSWERABLE = (
    "\nWhen the provided information is insufficient, respond with 'Unanswerable'." + SHORT
)
# lmms-eval's ScienceQA/AI2D multiple-choice suffix.
LETTER = "\nAnswer with the option's letter from the given choices directly."
# lmms-eval's COCO / Flickr30K / TextCaps captioning prompt.
CAPTION = "Provide a one-sentence caption for the provided image."


@dataclass(frozen=True)
class Benchmark:
    name: str  # registry key, used on the command line
    title: str  # column header in the paper-style table
    group: str  # which of the paper's tables it belongs to
    metric: str  # a key of `ouro_toolkit.evaluation.scoring.SCORERS`
    hub_id: str | None  # None: only local files (`--data-dir`)
    split: str
    prompt: str  # str.format template: {question}; multiple choice also {context}, {options}
    config: str | None = None
    data_files: str | None = None  # a file inside the Hub repo, for repos without configs
    split_label: str | None = None  # the split's real name when `split` is only a loader detail
    image_columns: tuple[str, ...] = ("image",)
    question_column: str | None = "question"
    answers_column: str | None = "answers"
    choices_column: str | None = None
    id_column: str | None = "question_id"
    meta_columns: tuple[str, ...] = ()
    capitalize_question: bool = False  # lmms-eval capitalises VizWiz/TextVQA questions
    extract: str = "short"  # how to read a prediction: see scoring.EXTRACTORS
    max_new_tokens: int = 16
    read: str = "qa"  # a key of `ouro_toolkit.evaluation.readers.READERS`
    # GQA keeps images in a separate config, joined on an id column.
    image_config: str | None = None
    image_key: str | None = None  # column of the question rows
    image_id_column: str = "id"  # column of the image rows
    source: str = ""  # where the layout was checked
    notes: str = ""
    # Rows made here instead of read from files (a generated benchmark); `--data-dir` with a
    # folder of its name still wins.
    generate: Callable[[Benchmark], Iterable[dict[str, Any]]] | None = None

    @property
    def reported_split(self) -> str:
        return self.split_label or self.split

    @property
    def lmms_lab(self) -> bool:
        return is_lmms_lab(self.hub_id)

    @property
    def ref(self) -> DatasetRef:
        """The declared dataset; `evaluation.data.DataSource.ref` picks the copy actually read."""
        return DatasetRef(
            self.hub_id, config=self.config, split=self.split, data_files=self.data_files
        )


GENERAL, DOCUMENT, SCENE_TEXT, CAPTIONING, KNOWN_TRUTH = (
    "General VQA",
    "Document understanding",
    "Scene text",
    "Captioning",
    "Scenes with known truth",
)
GROUPS: tuple[str, ...] = (GENERAL, DOCUMENT, SCENE_TEXT, CAPTIONING, KNOWN_TRUTH)

_ALL: list[Benchmark] = [
    # --- general VQA ----------------------------------------------------------------------
    Benchmark(
        name="okvqa", title="OKVQA", group=GENERAL, metric="vqa_accuracy",
        hub_id=OKVQA.repo_id, split="val2014", prompt="{question}" + UNANSWERABLE,
        source="lmms-eval tasks/ok_vqa (_default_template_vqa_yaml, utils.py): question, "
        "answers (list[str]), question_id, image",
    ),
    Benchmark(
        name="vqav2", title="VQAv2", group=GENERAL, metric="vqa_accuracy",
        hub_id=VQAV2.repo_id, split="validation", prompt="{question}" + SHORT,
        source="lmms-eval tasks/vqav2 (vqav2_val.yaml, utils.py): question, answers "
        "(list of {answer, answer_confidence, answer_id}), question_id, image",
    ),
    Benchmark(
        name="vizwiz", title="VizWiz", group=GENERAL, metric="vqa_accuracy",
        hub_id=VIZWIZ.repo_id, split="val", prompt="{question}" + UNANSWERABLE,
        capitalize_question=True,
        source="lmms-eval tasks/vizwiz_vqa (vizwiz_vqa_val.yaml, utils.py): question, answers "
        "(list[str]), question_id, image",
    ),
    Benchmark(
        name="gqa", title="GQA", group=GENERAL, metric="exact_match",
        hub_id=GQA.repo_id, config="testdev_balanced_instructions", split="testdev",
        prompt="{question}" + SHORT, answers_column="answer", id_column="id",
        image_config="testdev_balanced_images", image_key="imageId", image_id_column="id",
        source="lmms-eval tasks/gqa (gqa.yaml, utils.py): questions in config "
        "testdev_balanced_instructions (id, imageId, question, answer), images in "
        "testdev_balanced_images (id, image)",
    ),
    Benchmark(
        name="vsr", title="VSR", group=GENERAL, metric="exact_match", extract="yes_no",
        hub_id="cambridgeltl/vsr_zeroshot", split="test",
        prompt="{question} Please answer yes or no.",
        question_column="caption", answers_column="label", id_column=None, read="vsr",
        source="cambridgeltl/vsr_zeroshot card: test.jsonl with image (COCO file name), "
        "image_link (URL), caption, label (1 true / 0 false), relation, subj, obj; prompt as "
        "VLMEvalKit's VSR yes/no",
        notes="images are COCO 2017 files named in `image`; give --data-dir with them, or let "
        "the loader fetch `image_link` when online",
    ),
    Benchmark(
        name="scienceqa", title="ScienceQA", group=GENERAL, metric="option_accuracy",
        extract="option", hub_id=SCIENCEQA.repo_id, config=SCIENCEQA.config, split="test",
        prompt="{context}{question}\n{options}" + LETTER, choices_column="choices",
        answers_column="answer", id_column=None, read="choice",
        source="lmms-eval tasks/scienceqa (scienceqa_img.yaml, utils.py): question, choices "
        "(list[str]), answer (int), hint, image",
    ),
    Benchmark(
        name="iconqa", title="IconQA", group=GENERAL, metric="option_accuracy", extract="option",
        hub_id="lmms-lab/ICON-QA", split="test",
        prompt="Given a set of images and a question, please provide the answer to the question.\n"
        "Question: {question}.\nOptions:\n{options}\n"
        "Please answer with the option letter from the given choices directly.",
        image_columns=("query_image", "choice_image_0", "choice_image_1"),
        answers_column="answer", choices_column="choices", read="iconqa",
        max_new_tokens=32,
        source="lmms-lab/ICON-QA card (question_id, question, choices as a comma-separated "
        "string, answer, query_image, choice_image_0/1, ques_type, ...) and lmms-eval "
        "tasks/iconqa prompts",
        notes="fill_in_blank questions have no options and are scored by exact match",
    ),
    # --- document understanding ---------------------------------------------------------
    Benchmark(
        name="docvqa", title="DocVQA", group=DOCUMENT, metric="anls", hub_id=DOCVQA.repo_id,
        config=DOCVQA.config, split="validation", prompt="{question}" + SHORT, id_column="questionId",
        max_new_tokens=32,
        source="lmms-eval tasks/docvqa (docvqa_val.yaml): question, answers (list[str]), "
        "questionId, image",
    ),
    Benchmark(
        name="chartqa", title="ChartQA", group=DOCUMENT, metric="relaxed_accuracy",
        hub_id=CHARTQA.repo_id, split="test", prompt="{question}" + SHORT,
        answers_column="answer", id_column=None, meta_columns=("type",),
        source="lmms-eval tasks/chartqa (chartqa.yaml, utils.py): question, answer, type "
        "(human_test / augmented_test), image",
    ),
    Benchmark(
        name="infovqa", title="InfoVQA", group=DOCUMENT, metric="anls", hub_id=INFOVQA.repo_id,
        config=INFOVQA.config, split="validation", prompt="{question}" + SHORT,
        id_column="questionId", max_new_tokens=32,
        source="lmms-eval tasks/infovqa (_default_template_infovqa_yaml): lmms-lab/DocVQA "
        "config InfographicVQA; question, answers, questionId, image",
    ),
    Benchmark(
        name="deepform", title="DeepForm", group=DOCUMENT, metric="kie_f1", extract="raw",
        hub_id="mPLUG/DocDownstream-1.0", split="train", split_label="test", data_files="test/DeepForm_test.jsonl",
        prompt="{question}", question_column=None, answers_column=None, id_column=None,
        read="docowl", max_new_tokens=64,
        source="mPLUG/DocDownstream-1.0 test/DeepForm_test.jsonl (DocOwl 1.5 evaluation): "
        "image (list of relative paths), messages (user question with <|image|>, assistant answer)",
        notes="images live in the repo's split archive (partial-imgs.*); extract it and pass "
        "--data-dir so image paths resolve",
    ),
    Benchmark(
        name="klc", title="KLC", group=DOCUMENT, metric="kie_f1", extract="raw",
        hub_id="mPLUG/DocDownstream-1.0", split="train", split_label="test",
        data_files="test/KleisterCharity_test.jsonl", prompt="{question}", question_column=None,
        answers_column=None, id_column=None, read="docowl", max_new_tokens=64,
        source="mPLUG/DocDownstream-1.0 test/KleisterCharity_test.jsonl (same layout as DeepForm)",
        notes="images as for DeepForm",
    ),
    Benchmark(
        name="wtq", title="WTQ", group=DOCUMENT, metric="wtq_accuracy", extract="raw",
        hub_id="mPLUG/DocDownstream-1.0", split="train", split_label="test",
        data_files="test/WikiTableQuestions_test.jsonl", prompt="{question}",
        question_column=None, answers_column=None, id_column=None, read="docowl",
        max_new_tokens=64,
        source="mPLUG/DocDownstream-1.0 test/WikiTableQuestions_test.jsonl (same layout)",
        notes="images as for DeepForm",
    ),
    # --- scene text ---------------------------------------------------------------------------
    Benchmark(
        name="textvqa", title="TextVQA", group=SCENE_TEXT, metric="vqa_accuracy",
        hub_id=TEXTVQA.repo_id, split="validation", prompt="{question}" + SHORT,
        capitalize_question=True,
        source="lmms-eval tasks/textvqa (textvqa_val.yaml, utils.py): question, answers "
        "(list[str]), question_id, image, ocr_tokens",
    ),
    Benchmark(
        name="ai2d", title="AI2D", group=SCENE_TEXT, metric="option_accuracy", extract="option",
        hub_id=AI2D.repo_id, split="test", prompt="{question}\n{options}" + LETTER,
        choices_column="options", answers_column="answer", id_column=None,
        read="choice",
        source="lmms-eval tasks/ai2d (ai2d.yaml, utils.py): question, options (list[str]), "
        "answer (index as a string), image",
    ),
    Benchmark(
        name="stvqa", title="ST-VQA", group=SCENE_TEXT, metric="anls",
        hub_id="lmms-lab/ST-VQA", split="test", prompt="{question}" + SHORT, max_new_tokens=32,
        source="lmms-eval tasks/stvqa (stvqa.yaml, utils.py): question, question_id, image; "
        "answers where the split has them",
        notes="the public test split has no answers (submission only): its samples are reported "
        "as unscored; use --data-dir with a split that has an `answers` column to score",
    ),
    Benchmark(
        name="estvqa", title="EST-VQA", group=SCENE_TEXT, metric="anls", hub_id=None,
        split="test", prompt="{question}" + SHORT, max_new_tokens=32,
        source="no Hub copy in lmms-eval; local Parquet with question, answers (list[str]), "
        "question_id, image (the layout of the other scene-text sets)",
        notes="needs --data-dir with an estvqa/ folder converted from the EST-VQA release",
    ),
    # --- captioning -----------------------------------------------------------------------------
    Benchmark(
        name="coco", title="COCO Caption", group=CAPTIONING, metric="cider", extract="caption",
        hub_id=COCO_CAPTION.repo_id, split="val", prompt=CAPTION, question_column=None,
        answers_column="answer", max_new_tokens=64,
        source="lmms-eval tasks/coco_cap (coco2017_cap_val.yaml, utils.py): question_id (file "
        "name), image, answer (list of reference captions), id",
    ),
    Benchmark(
        name="flickr30k", title="Flickr30K", group=CAPTIONING, metric="cider", extract="caption",
        hub_id="lmms-lab/flickr30k", split="test", prompt=CAPTION, question_column=None,
        answers_column="caption", id_column="img_id", max_new_tokens=64,
        source="lmms-eval tasks/flickr30k (flickr30k_test.yaml, utils.py): img_id, image, "
        "caption (list of reference captions)",
    ),
    Benchmark(
        name="textcaps", title="TextCaps", group=CAPTIONING, metric="cider", extract="caption",
        hub_id=TEXTCAPS.repo_id, split="val", prompt=CAPTION, question_column=None,
        answers_column="caption_str", id_column="image_id", max_new_tokens=64,
        source="lmms-eval tasks/textcaps (textcaps_val.yaml, utils.py): image_id, image, "
        "caption_str (list of reference captions)",
    ),
]  # fmt: skip

# Not the paper's: benchmarks this toolkit makes itself. `all` means the paper's twenty.
_OWN: list[Benchmark] = [
    Benchmark(
        name="scenes", title="Scenes", group=KNOWN_TRUTH, metric="scenes", extract="raw",
        hub_id=None, split="test", prompt="{question}" + SHORT, id_column="id",
        max_new_tokens=16, read="scene", generate=scene_rows,
        source="made here: the `scenes` source's test split (seeds 2000000-2000999); per scene "
        "one description request and up to four exact questions (colour, count, sign text, "
        "left of, above, inside)",
        notes="score = mean of QA accuracy and description F1 (objects named, by name); details "
        "give QA accuracy per kind and the description's precision, recall, colour and position",
    ),
]  # fmt: skip

BENCHMARKS: dict[str, Benchmark] = {b.name: b for b in (*_ALL, *_OWN)}


def get_benchmark(name: str) -> Benchmark:
    def squash(text: str) -> str:
        return "".join(c for c in text.lower() if c.isalnum())

    key = squash(name)
    aliases = {squash(b.name): b for b in BENCHMARKS.values()}
    aliases.update({squash(b.title): b for b in BENCHMARKS.values()})
    if key not in aliases:
        raise UnknownName("benchmark", name, BENCHMARKS)
    return aliases[key]


def parse_benchmarks(spec: str) -> list[Benchmark]:
    """ "okvqa,docvqa" -> their declarations; "all" -> every benchmark, in the paper's order."""
    names = [n for n in (p.strip() for p in spec.split(",")) if n]
    if not names:
        raise ConfigError("no benchmark named: give e.g. --benchmarks okvqa,docvqa (or 'all')")
    if names == ["all"]:
        return list(_ALL)
    return [get_benchmark(n) for n in names]


def resolve_hub_id(
    bench: Benchmark, *, org: str | None = None, hub_ids: dict[str, str] | None = None
) -> str | None:
    """The dataset id to load: an explicit override, else the default with lmms-lab -> `org`."""
    if hub_ids and bench.name in hub_ids:
        return hub_ids[bench.name]
    if bench.hub_id and org:
        return moved_id(bench.hub_id, org)
    return bench.hub_id
