"""The import contract: each layer imports only the layers below it (docs/architecture.md).

From the bottom: foundation (settings, problems, clock, record field types, text, the
embedder), taxonomy, store (the index definitions and the only code that talks to
Elasticsearch and Redis), policy (pure rules), use cases (one package per domain), adapters
(the HTTP API, the desk, the command line, the worker: the only code that imports starlette,
click or arq). Besides the layers: only the app imports a routes module, and a use case
reaches into another only through its ``service`` or ``models`` module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("matcher", "indexes", "workers")

# Lowest first. A module belongs to the layer of the longest prefix that names it; "=name"
# names that module alone.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("=matcher", "matcher.foundation", "matcher.embeddings")),
    ("taxonomy", ("matcher.taxonomy",)),
    ("store", ("indexes", "matcher.store")),
    ("policy", ("matcher.policy",)),
    # What every use case shares: the services handed to them, and the record-kind machinery
    # profiles and postings are written with.
    ("use-case base", ("matcher.services", "matcher.records")),
    (
        "use cases",
        (
            "matcher.auth",
            "matcher.profiles",
            "matcher.postings",
            "matcher.consent",
            "matcher.privacy",
            "matcher.incentives",
            "matcher.matching",
            "matcher.search",
            "matcher.feed",
            "matcher.referrals",
            "matcher.imports",
            "matcher.bulletins",
            "matcher.lookups",
            "matcher.walkin",
            "matcher.migrations",
            "matcher.demo",
            "matcher.alerts",
            "matcher.changes",
            "matcher.lifecycle",
            "matcher.subscriptions",
            "matcher.projects",
            "matcher.duplicates",
        ),
    ),
    ("adapters", ("matcher.api", "matcher.desk", "matcher.cli", "workers")),
]
USE_CASES = 5
ADAPTERS = 6
# A use case's other modules are its own business; privacy offers three services, search
# its reading of a query.
PUBLIC_MODULES = ("service", "models")
PUBLIC_OF = {
    "matcher.privacy": ("audit", "limits", "retention"),
    # How a search text is read (its words and trades), which saved searches store.
    "matcher.search": (*PUBLIC_MODULES, "reading"),
}
# Libraries only the adapters import.
ADAPTER_LIBRARIES = {"starlette", "click", "arq", "uvicorn", "jinja2"}
# The clients of the backing services: the store's alone, and the queue adapter's (arq).
STORE_LIBRARIES = {"elasticsearch", "elastic_transport", "redis"}
QUEUE_ADAPTER = "workers.queue"


def layer_of(module: str) -> tuple[int, str]:
    """(height, package): the layer's height and the package within it."""
    best: tuple[int, str] | None = None
    for height, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact = prefix.startswith("=")
            name = prefix.lstrip("=")
            named = module == name or (not exact and module.startswith(name + "."))
            if named and (best is None or len(name) > len(best[1])):
                best = (height, name)
    if best is None:
        raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")
    return best


def violations(edges: Iterable[tuple[str, str]]) -> list[str]:
    """Every import (importer, imported) that breaks the contract, in words."""
    found = []
    for importer, imported in edges:
        (low, package), (high, target) = layer_of(importer), layer_of(imported)
        if high > low:
            found.append(
                f"{importer} imports {imported}: the {LAYERS[low][0]} layer may not import "
                f"the {LAYERS[high][0]} layer"
            )
        if imported.startswith("matcher.api.routes.") and importer != "matcher.api.app":
            found.append(f"{importer} imports the routes module {imported}")
        public = PUBLIC_OF.get(target, PUBLIC_MODULES)
        private = imported.removeprefix(target + ".").split(".")[0] not in public
        if low == high == USE_CASES and package != target and imported != target and private:
            found.append(f"{importer} reaches into {imported}, a module private to {target}")
    return found


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=True)


def _internal(module: str) -> bool:
    return module.split(".")[0] in PACKAGES


def imports() -> list[tuple[str, str]]:
    g = graph()
    return [
        (importer, imported)
        for importer in sorted(m for m in g.modules if _internal(m))
        for imported in sorted(g.find_modules_directly_imported_by(importer))
    ]


def test_no_module_imports_a_higher_layer_a_routes_module_or_another_domains_internals() -> None:
    assert violations((a, b) for a, b in imports() if _internal(b)) == []


def test_only_adapters_import_the_web_cli_and_queue_libraries() -> None:
    wrong = [(a, b) for a, b in imports() if b in ADAPTER_LIBRARIES and layer_of(a)[0] != ADAPTERS]
    assert wrong == []


def test_only_the_store_imports_the_elasticsearch_and_redis_clients() -> None:
    wrong = [
        (a, b)
        for a, b in imports()
        if b in STORE_LIBRARIES
        and layer_of(a)[1] not in ("indexes", "matcher.store")
        and a != QUEUE_ADAPTER
    ]
    assert wrong == []


_CLIENT_CALL = re.compile(r"\.(es|redis|arq)\.[a-z_]+")


def test_no_code_outside_the_store_calls_a_client() -> None:
    """A handed-on client (``svc.store.es.search``) is a store call made elsewhere."""
    offenders = []
    for path in sorted((ROOT / "matcher").rglob("*.py")) + sorted((ROOT / "workers").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("matcher/store/") or relative == "workers/queue.py":
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if _CLIENT_CALL.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_no_string_keyed_index_lookups_remain() -> None:
    offenders = [
        path.relative_to(ROOT).as_posix()
        for folder in ("matcher", "workers", "indexes", "tests", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if "specs" + "[" in path.read_text("utf-8")
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "edge",
    [
        # The back-edges the layers were made to remove, in today's names.
        ("matcher.foundation.settings", "matcher.policy.ranking"),
        ("matcher.store.base", "matcher.services"),
        ("matcher.records.prepare", "matcher.profiles.service"),
        ("matcher.policy.access", "matcher.auth.service"),
        ("matcher.taxonomy.catalog", "matcher.store.records"),
        ("matcher.consent.service", "matcher.profiles.kinds"),
        ("matcher.feed.service", "matcher.api.routes.matching"),
        ("matcher.desk.pages", "matcher.api.routes.matching"),
        ("matcher.incentives.report", "matcher.bulletins.scope"),
        ("matcher.policy.rules", "matcher.matching.service"),
    ],
)
def test_the_contract_refuses_back_edges(edge: tuple[str, str]) -> None:
    assert violations([edge]), edge


@pytest.mark.parametrize(
    "edge",
    [
        ("matcher.feed.service", "matcher.matching.service"),
        ("matcher.feed.service", "matcher.matching.models"),
        ("matcher.api.app", "matcher.api.routes.matching"),
        ("matcher.desk.pages", "matcher.walkin.service"),
        ("matcher.matching.service", "matcher.policy.ranking"),
        ("matcher.bulletins.service", "matcher.bulletins.wages"),
        ("matcher.profiles.service", "matcher.privacy.audit"),
        ("matcher.postings.service", "matcher.records.writes"),
    ],
)
def test_the_contract_allows_downward_and_public_imports(edge: tuple[str, str]) -> None:
    assert violations([edge]) == []
