"""`ouro sources`: list the benchmarks `ouro build --source NAME` can stream."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ouro_toolkit.builders.base import SourceSpec


# Marks a split whose files are in the repo although its dataset card's `configs:` leaves it out.
NOT_IN_CARD_MARK = "*"
NOT_IN_CARD_NOTE = (
    f"{NOT_IN_CARD_MARK} in the repo's Parquet files but not in its card's configs: "
    "(load_dataset does not offer it; ouro reads the files)"
)


def sources_table() -> list[tuple[str, str, str, str, str]]:
    """(name, task, default Hub id, splits, licence) for every registered source."""
    from ouro_toolkit.builders.registry import SOURCES

    return [
        (name, spec.task, _hub_id(spec), _splits(spec), spec.license)
        for name, spec in ((name, cls.SPEC) for name, cls in SOURCES.items())
    ]


def _splits(spec: SourceSpec) -> str:
    return ", ".join(s + NOT_IN_CARD_MARK * (s in spec.not_in_card) for s in spec.splits)


def _hub_id(spec: SourceSpec) -> str:
    return f"{spec.repo_id} [{spec.hub_config}]" if spec.hub_config else spec.repo_id


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@click.command()
def sources() -> None:
    """List the source benchmarks: name, task, default Hub id, splits (first = default), licence.

    \b
    Stream one with `ouro build --source NAME`; read local Parquet copies with `--data-dir`, or
    another Hub copy with the same columns with `--repo-id` (lmms-lab/* moved to lmms-lab-encoder/*).
    """
    header = ("name", "task", "default Hub id", "splits", "licence")
    click.echo(format_table(header, sources_table()))
    click.echo(f"\n{NOT_IN_CARD_NOTE}")
