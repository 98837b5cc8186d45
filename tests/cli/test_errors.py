"""User errors are one line from one place; anything else is a bug and keeps its traceback."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from ouro_toolkit.cli import main
from ouro_toolkit.errors import ConfigError, OuroError, UnknownName, check_known, one_line


@click.command()
@click.option("--kind", default="user")
def boom(kind: str) -> None:
    """Raises what --kind says (a command made for this test)."""
    if kind == "user":
        raise ConfigError(
            "--size 0: must be at least 1; pass --size 8\n  (detail on a second line)"
        )
    if kind == "empty":
        raise OuroError()
    raise ZeroDivisionError("a bug")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> click.Group:
    monkeypatch.setitem(main.COMMANDS, "boom", f"{__name__}:boom")
    return main.cli


def test_user_error_is_one_line_with_exit_1(cli) -> None:
    result = CliRunner().invoke(cli, ["boom"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: --size 0: must be at least 1; pass --size 8 (detail on a second line)\n"
    )


def test_empty_message_does_not_crash(cli) -> None:
    result = CliRunner().invoke(cli, ["boom", "--kind", "empty"])
    assert result.exit_code == 1 and result.output == "Error: OuroError\n"


def test_a_bug_keeps_its_traceback(cli) -> None:
    result = CliRunner().invoke(cli, ["boom", "--kind", "bug"])
    assert isinstance(result.exception, ZeroDivisionError)
    assert result.exc_info is not None and result.exc_info[2] is not None


def test_one_line() -> None:
    assert one_line(ValueError("")) == "ValueError"
    assert one_line(ValueError("  \n ")) == "ValueError"
    assert one_line(OSError("first\n  second  line")) == "first second line"
    assert one_line(OSError("\nfirst\nsecond"), first_only=True) == "first"
    assert one_line(OSError("abcdef"), limit=3) == "abc"


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownName) as info:
        check_known("proposer", ["ocr", "sam"], ["ocr", "rpn"])
    assert str(info.value) == "unknown proposer 'sam'; known proposers: ocr, rpn"
    assert isinstance(info.value, ValueError) and isinstance(info.value, KeyError)
