"""The command line's usage and its refusals, before any service is reached."""

import pytest
from click.testing import CliRunner

from matcher.cli import cli
from tests.conftest import make_environ

COMMANDS = [
    "serve",
    "worker",
    "init-indexes",
    "index-status",
    "migrate",
    "create-token",
    "revoke-token",
    "list-tokens",
    "demo",
    "import",
    "retention-report",
    "load-incentives",
    "reflag-incentives",
    "merge-segments",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_bad_configuration_is_a_clear_error() -> None:
    result = CliRunner().invoke(cli, ["list-tokens"], env={"MATCHER_EMBEDDER": "nope"})
    assert result.exit_code == 1
    assert "MATCHER_EMBEDDER" in result.output


def test_create_token_cli_validates_like_the_api() -> None:
    result = CliRunner().invoke(
        cli, ["create-token", "--role", "office", "--subject", "o-1"], env=make_environ()
    )
    assert result.exit_code == 1
    assert "region_code" in result.output
