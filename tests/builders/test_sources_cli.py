"""`ouro sources`: the registry as a table."""

from __future__ import annotations

from click.testing import CliRunner

from builders.registry import SOURCES
from ouro_toolkit.cli.main import cli


def test_ouro_sources_prints_every_source_with_hub_id_splits_and_licence() -> None:
    result = CliRunner().invoke(cli, ["sources"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["name", "task", "default", "Hub", "id", "splits", "licence"]
    body = {line.split()[0]: line for line in lines[2:]}
    assert list(body) == list(SOURCES)
    for name, cls in SOURCES.items():
        spec = cls.SPEC
        for text in (spec.task, spec.repo_id, ", ".join(spec.splits), spec.license):
            assert text in body[name], (name, text)
    assert "lmms-lab/DocVQA [InfographicVQA]" in body["infovqa"]
