"""Static checks of docker-compose.yml and the Dockerfile (no Docker engine needed).

They pin what the deployment relies on: the Elasticsearch server major matching the client,
persistence, health checks gating the start order, and what is exposed on the host.
"""

from __future__ import annotations

import json
import shlex
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

ES_IMAGE_REPO = "docker.elastic.co/elasticsearch/elasticsearch"
SERVICES = ("elasticsearch", "redis", "init", "api", "worker")
LONG_RUNNING = ("elasticsearch", "redis", "api", "worker")
APP_SERVICES = ("init", "api", "worker")
# The installed client's version (what ``elasticsearch.__versionstr__`` holds; that name is not
# re-exported for type checkers, the distribution metadata is the public way to read it).
ES_CLIENT_VERSION = version("elasticsearch")


@cache
def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


def _service(name: str) -> dict[str, Any]:
    services = _compose().get("services")
    assert isinstance(services, dict), "docker-compose.yml has no services mapping"
    service = services.get(name)
    assert isinstance(service, dict), f"service {name!r} missing"
    return service


def _environment(name: str) -> dict[str, str]:
    """The service's environment, whether written as a mapping or as KEY=VALUE items."""
    env = _service(name).get("environment") or {}
    if isinstance(env, list):
        pairs = (str(item).partition("=") for item in env)
        return {key: value for key, _, value in pairs}
    assert isinstance(env, dict), f"{name}: environment is neither a list nor a mapping"
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def _depends_on(name: str) -> dict[str, str]:
    """Dependency -> condition; the short (list) form means service_started."""
    deps = _service(name).get("depends_on") or {}
    if isinstance(deps, list):
        return {str(dep): "service_started" for dep in deps}
    assert isinstance(deps, dict), f"{name}: depends_on is neither a list nor a mapping"
    return {
        str(dep): str((spec or {}).get("condition", "service_started"))
        for dep, spec in deps.items()
    }


def _command(name: str) -> list[str]:
    command = _service(name).get("command")
    assert command is not None, f"{name}: no command"
    if isinstance(command, str):
        return shlex.split(command)
    return [str(part) for part in command]


def _ports(name: str) -> list[tuple[str, str, str]]:
    """(host ip, published port, container port) for each published port; "" ip means all."""
    result: list[tuple[str, str, str]] = []
    for entry in _service(name).get("ports") or []:
        if isinstance(entry, dict):
            result.append(
                (
                    str(entry.get("host_ip", "")),
                    str(entry.get("published", "")),
                    str(entry["target"]),
                )
            )
            continue
        parts = str(entry).split("/")[0].rsplit(":", 2)
        if len(parts) == 3:
            result.append((parts[0], parts[1], parts[2]))
        elif len(parts) == 2:
            result.append(("", parts[0], parts[1]))
        else:
            result.append(("", "", parts[0]))
    return result


def _mounts(name: str) -> list[tuple[str, str]]:
    """(source, target) of each volume mount of the service."""
    result: list[tuple[str, str]] = []
    for entry in _service(name).get("volumes") or []:
        if isinstance(entry, dict):
            result.append((str(entry.get("source", "")), str(entry["target"])))
        else:
            source, _, rest = str(entry).partition(":")
            result.append((source, rest.split(":")[0]))
    return result


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        pending = ""
    return instructions


def _major_minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def test_all_services_are_defined() -> None:
    for name in SERVICES:
        _service(name)


def test_elasticsearch_image_matches_the_client_major() -> None:
    image = str(_service("elasticsearch").get("image", ""))
    repo, _, tag = image.rpartition(":")
    assert repo == ES_IMAGE_REPO, f"not the official image: {image!r}"
    server = _major_minor(tag)
    client = _major_minor(ES_CLIENT_VERSION)
    assert server[0] == client[0], f"server {tag} vs client {ES_CLIENT_VERSION}: majors differ"
    # elasticsearch-py supports servers of its major at its own minor or later.
    assert server >= client, f"server {tag} is older than client {ES_CLIENT_VERSION}"


def test_elasticsearch_runs_single_node_with_a_fixed_heap() -> None:
    env = _environment("elasticsearch")
    assert env.get("discovery.type") == "single-node"
    java_opts = env.get("ES_JAVA_OPTS", "").split()
    assert any(opt.startswith("-Xms") for opt in java_opts), java_opts
    assert any(opt.startswith("-Xmx") for opt in java_opts), java_opts


@pytest.mark.parametrize(
    ("service", "volume", "target"),
    [
        ("elasticsearch", "es-data", "/usr/share/elasticsearch/data"),
        ("redis", "redis-data", "/data"),
        ("api", "imports", "/data/imports"),
        ("worker", "imports", "/data/imports"),
    ],
)
def test_data_lives_in_named_volumes(service: str, volume: str, target: str) -> None:
    declared = _compose().get("volumes") or {}
    assert volume in declared, f"volume {volume!r} not declared at top level"
    assert (volume, target) in _mounts(service), _mounts(service)


def test_redis_persists_with_append_only_file() -> None:
    command = _command("redis")
    assert "--appendonly" in command, command
    assert command[command.index("--appendonly") + 1] == "yes", command


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_have_a_healthcheck(name: str) -> None:
    check = _service(name).get("healthcheck")
    assert isinstance(check, dict), f"{name}: no healthcheck"
    assert not check.get("disable", False), f"{name}: healthcheck disabled"
    test = check.get("test")
    assert test, f"{name}: healthcheck has no test"
    if isinstance(test, list):
        assert test[0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck test {test!r}"
        assert len(test) > 1, f"{name}: healthcheck test {test!r} runs nothing"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_restart(name: str) -> None:
    assert _service(name).get("restart") == "unless-stopped"


def test_init_is_a_one_shot_index_setup() -> None:
    assert _command("init")[:2] == ["matcher", "init-indexes"]
    assert _service("init").get("restart", "no") == "no"
    deps = _depends_on("init")
    assert deps.get("elasticsearch") == "service_healthy", deps
    assert deps.get("redis") == "service_healthy", deps


@pytest.mark.parametrize(("name", "subcommand"), [("api", "serve"), ("worker", "worker")])
def test_app_services_run_their_command(name: str, subcommand: str) -> None:
    assert _command(name)[:2] == ["matcher", subcommand]


@pytest.mark.parametrize("name", ["api", "worker"])
def test_app_waits_for_healthy_backends_and_indexes(name: str) -> None:
    deps = _depends_on(name)
    assert deps.get("elasticsearch") == "service_healthy", deps
    assert deps.get("redis") == "service_healthy", deps
    assert deps.get("init") == "service_completed_successfully", deps


def test_api_publishes_port_8000() -> None:
    assert any(
        published == "8000" and target == "8000" for _, published, target in _ports("api")
    ), _ports("api")


def test_elasticsearch_is_published_on_loopback_only() -> None:
    ports = _ports("elasticsearch")
    assert ("127.0.0.1", "9200", "9200") in ports, ports
    assert all(host_ip == "127.0.0.1" for host_ip, _, _ in ports), ports


def test_redis_is_not_published() -> None:
    assert _ports("redis") == []


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_point_at_the_compose_backends(name: str) -> None:
    env = _environment(name)
    es = urlsplit(env.get("MATCHER_ES_URL", ""))
    assert (es.scheme, es.hostname, es.port) == ("http", "elasticsearch", 9200), es
    redis = urlsplit(env.get("MATCHER_REDIS_URL", ""))
    assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379), redis
    # Required secret, taken from the caller's environment: never a literal in the file.
    assert env.get("MATCHER_ADMIN_TOKEN", "").startswith("${MATCHER_ADMIN_TOKEN:?"), env


def test_dockerfile_builds_on_python_311_slim() -> None:
    froms = [args for keyword, args in _dockerfile_instructions() if keyword == "FROM"]
    assert froms, "Dockerfile has no FROM"
    assert froms[-1].split()[0] == "python:3.11-slim", froms


def test_dockerfile_does_not_run_as_root() -> None:
    users = [args for keyword, args in _dockerfile_instructions() if keyword == "USER"]
    assert users, "Dockerfile has no USER line: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), users


def test_dockerfile_cmd_serves_the_api() -> None:
    cmds = [args for keyword, args in _dockerfile_instructions() if keyword == "CMD"]
    assert cmds, "Dockerfile has no CMD"
    cmd = json.loads(cmds[-1])  # exec form: signals reach the server, no shell in between
    assert isinstance(cmd, list), cmd
    assert cmd[:2] == ["matcher", "serve"], cmd
    # Inside the container: the port is published by compose, so all interfaces is intended.
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0", cmd  # noqa: S104


@pytest.mark.parametrize("name", ["api", "worker"])
def test_api_and_worker_share_the_import_folder(name: str) -> None:
    assert _environment(name)["MATCHER_IMPORT_DIR"] == "/data/imports"


def test_dockerfile_prepares_the_import_folder_for_the_app_user() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "mkdir -p /data/imports" in text
    assert "chown matcher /data/imports" in text


CLUSTER_FILE = ROOT / "docker-compose.cluster.yml"


def _merged() -> dict[str, Any]:
    """docker-compose.yml with docker-compose.cluster.yml over it, as compose merges them
    (mappings merged key by key, anything else replaced)."""

    def merge(base: Any, over: Any) -> Any:
        if isinstance(base, dict) and isinstance(over, dict):
            return {k: merge(base.get(k), over[k]) if k in base else over[k] for k in over} | {
                k: v for k, v in base.items() if k not in over
            }
        return over

    over = yaml.safe_load(CLUSTER_FILE.read_text(encoding="utf-8"))
    return dict(merge(_compose(), over))


def test_the_cluster_variant_runs_three_nodes_of_one_cluster() -> None:
    services = _merged()["services"]
    nodes = {name: services[name] for name in ("elasticsearch", "es02", "es03")}
    envs = {name: node["environment"] for name, node in nodes.items()}
    assert {e["node.name"] for e in envs.values()} == {"es01", "es02", "es03"}
    assert {e["cluster.name"] for e in envs.values()} == {"matcher"}
    for env in envs.values():
        assert env["discovery.type"] == "multi-node"  # not the base file's single-node
        assert set(env["discovery.seed_hosts"].split(",")) == set(nodes)
        assert set(env["cluster.initial_master_nodes"].split(",")) == {"es01", "es02", "es03"}
    images = {node["image"] for node in nodes.values()}
    assert images == {_service("elasticsearch")["image"]}
    # Each node keeps its data in a volume of its own.
    data = [v for node in nodes.values() for v in node["volumes"]]
    assert len({v.split(":")[0] for v in data}) == 3
    assert all(name in _merged()["volumes"] for name in ("es-data", "es02-data", "es03-data"))


@pytest.mark.parametrize("name", APP_SERVICES)
def test_the_apps_of_the_cluster_variant_know_every_node(name: str) -> None:
    service = _merged()["services"][name]
    urls = service["environment"]["MATCHER_ES_URL"].split(",")
    assert {urlsplit(u).hostname for u in urls} == {"elasticsearch", "es02", "es03"}
    assert {urlsplit(u).port for u in urls} == {9200}
    # The base file's settings stay (merged, not replaced).
    assert service["environment"]["MATCHER_REDIS_URL"] == "redis://redis:6379/0"
    assert {"elasticsearch", "redis", "es02", "es03"} <= set(service["depends_on"])
