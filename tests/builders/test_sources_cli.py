"""`ouro sources`: the registry as a table."""

from __future__ import annotations

from click.testing import CliRunner

from ouro_toolkit.builders.registry import SOURCES
from ouro_toolkit.cli.main import cli


def test_ouro_sources_prints_every_source_with_hub_id_splits_and_licence() -> None:
    result = CliRunner().invoke(cli, ["sources"])
    assert result.exit_code == 0, result.output
    table, note = result.output.rstrip("\n").split("\n\n")
    lines = table.splitlines()
    assert lines[0].split() == ["name", "task", "default", "Hub", "id", "splits", "licence"]
    body = {line.split()[0]: line for line in lines[2:]}
    assert list(body) == list(SOURCES)
    for name, cls in SOURCES.items():
        spec = cls.SPEC
        for text in (spec.task, spec.repo_id, spec.license):
            assert text in body[name], (name, text)
    assert "lmms-lab/DocVQA [InfographicVQA]" in body["infovqa"]
    # Train splits whose files the repo has though its card leaves them out: named, and marked.
    assert "validation, test, train*  " in body["docvqa"]
    assert "validation, test, train*  " in body["infovqa"]
    assert "test, validation, train*  " in body["scienceqa"]
    assert "testdev, val, train, test, challenge, submission  " in body["gqa"]
    assert "train, validation, test  " in body["textvqa"] and "*" not in body["textvqa"]
    assert note.startswith("* in the repo's Parquet files but not in its card's configs:")
