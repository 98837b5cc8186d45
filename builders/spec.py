"""A source's declaration and its rows before checking: `SourceSpec`, `Normalised`, `as_texts`.

What a source builder writes (one `SourceSpec` and a `normalise(raw_row) -> Normalised`), apart
from the `datasets` builder that reads it (`builders/base.py`) and the row checks (`rows.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ouro_toolkit.source_schema import TASKS

# Key the base injects into every raw row: "<split>/<file stem>#<row in file>", a stable id for
# sources whose Parquet has no id column of its own.
ROW_REF = "__row__"


@dataclass(frozen=True)
class SourceSpec:
    """Everything `ouro sources` lists about a source, and where its Parquet files live."""

    name: str
    task: str  # one of ouro_toolkit.source_schema.TASKS
    repo_id: str  # default Hub dataset repo (override with repo_id=...)
    splits: tuple[str, ...]  # splits the default repo has; the first is the default
    license: str
    citation: str
    homepage: str = ""
    description: str = ""
    hub_config: str = ""  # the repo's config (subset) this source reads, shown by `ouro sources`
    # Glob of a split's Parquet files, relative to the repo root (and to data_dir).
    data_files: str = "data/{split}-*.parquet"
    # Columns the builder cannot do without: a file lacking one is refused before any row is read.
    columns: tuple[str, ...] = ()
    # Columns read when a file has them (a copy without one still streams, with less in each row).
    optional: tuple[str, ...] = ()
    # Splits whose Parquet files are in the repo although its card's `configs:` leaves them out
    # (`load_dataset` does not offer them; the builder reads the files).
    not_in_card: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"source {self.name!r}: task {self.task!r} is not one of {TASKS}")

    @property
    def default_split(self) -> str:
        return self.splits[0]


@dataclass
class Normalised:
    """One source row in the common schema, before its image is checked. Built by `normalise`."""

    source_id: str
    image: Any  # {"bytes", "path"} struct, raw bytes, a path string, or None
    captions: list[str] = field(default_factory=list)
    qa: list[dict[str, Any]] = field(default_factory=list)
    # Rows with the same image_key that follow each other are merged into one row (see module doc).
    image_key: str | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail)

    def problem(self, kind: str, detail: str) -> None:
        self.problems.append((kind, detail))

    def add_captions(self, value: Any) -> None:
        for text in self._texts(value, "captions"):
            if text not in self.captions:  # sources repeat a caption across their caption columns
                self.captions.append(text)

    def add_qa(self, question: Any, answers: Any, choices: Any = None) -> None:
        """Append one QA pair; an empty question or odd answers are kept and recorded, not dropped."""
        text = "" if question is None else str(question).strip()
        if not text:
            self.problem("empty question", f"{self.source_id} has question {question!r}")
        self.qa.append(
            {
                "question": text,
                "answers": self._texts(answers, "answers"),
                "choices": self._texts(choices, "choices"),
            }
        )

    def _texts(self, value: Any, what: str) -> list[str]:
        texts, bad = as_texts(value)
        if bad is not None:
            self.problem(f"bad {what}", bad)
        return texts


def as_texts(value: Any) -> tuple[list[str], str | None]:
    """Normalise a field that should be a list of strings.

    None -> []; a string -> [it]; numbers and booleans -> their text; a list of those -> a list of
    strings. Empty strings are dropped (TextVQA's test split pads answers with ten ""). Anything
    else (dicts, nested lists) gives the texts it could read plus a one-line description of the rest.
    """
    if value is None:
        return [], None
    items = value if isinstance(value, (list, tuple)) else [value]
    texts: list[str] = []
    odd: list[str] = []
    for item in items:
        if isinstance(item, str):
            if item.strip():
                texts.append(item.strip())
        elif isinstance(item, (bool, int, float)):
            texts.append(str(item))
        elif item is not None:
            odd.append(type(item).__name__)
    if odd:
        return texts, f"expected strings, got {', '.join(sorted(set(odd)))} in {_short(value)}"
    return texts, None


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
