"""The ``matcher`` command line, run in-process against the real node."""

import asyncio

import httpx
import pytest
from click.testing import CliRunner, Result

from matcher.cli import cli
from tests.conftest import make_environ

pytestmark = pytest.mark.integration

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


async def invoke(*args: str) -> Result:
    """Run the CLI in a thread: it runs its own event loop, the API client lives in ours."""
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=make_environ())


async def test_tokens_created_and_revoked_by_cli_work_in_the_api(
    client: httpx.AsyncClient,
) -> None:
    created = await invoke(
        "create-token", "--role", "office", "--subject", "office-152900", "--region", "152900"
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    token_id = token.split("_")[1]
    headers = {"Authorization": f"Bearer {token}"}
    me = await client.get("/v1/me", headers=headers)
    assert me.json()["region_code"] == "152900"

    listed = await invoke("list-tokens")
    assert token_id in listed.output
    assert token not in listed.output
    assert (await invoke("revoke-token", token_id)).exit_code == 0
    assert (await client.get("/v1/me", headers=headers)).status_code == 401
    assert token_id not in (await invoke("list-tokens")).output
    unknown = await invoke("revoke-token", "0000000000000000")
    assert unknown.exit_code == 1
    assert "No token" in unknown.output
