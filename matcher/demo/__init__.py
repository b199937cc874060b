"""A small hand-written demo data set (Inner Mongolia trades) and its loader.

The records are fictional; phone numbers use the reserved-looking 138000000xx range.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from importlib import resources
from typing import Any

from indexes.documents import RegisteredProjectDoc
from matcher.auth.models import TokenCreate
from matcher.auth.service import create_token
from matcher.foundation.principals import Principal, Role
from matcher.services import Services


def read_records(kind: str) -> list[dict[str, Any]]:
    """The demo ``profiles`` or ``postings`` as dicts."""
    text = resources.files("matcher.demo").joinpath(f"{kind}.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def with_registration(record: dict[str, Any], index: int, today: date) -> dict[str, Any]:
    """A generated record with a registration day in the past, so the demo's bulletins have
    earlier periods to compare with: a posting is registered when it opens (its
    ``valid_from``, if already past), a seeker on a day spread over the last 400 days."""
    if record.get("registered_on"):
        return record
    day = today - timedelta(days=(index * 37) % 400)
    if record.get("valid_from"):
        day = min(date.fromisoformat(record["valid_from"]), today)
    return {**record, "registered_on": day.isoformat()}


async def load_demo(
    svc: Services, *, generated_profiles: int = 300, generated_postings: int = 120, seed: int = 2026
) -> dict[str, int]:
    """Index the hand-written records plus generated ones (deterministic by ``seed``), through
    the same preparation as the API (normalize, segment, embed). Idempotent: ids are fixed."""
    from matcher.demo.generate import generate_postings, generate_profiles
    from matcher.imports.service import KINDS
    from matcher.incentives.service import current_policies
    from matcher.records.prepare import WriteContext, prepare

    generated = {
        "profiles": generate_profiles(generated_profiles, seed),
        "postings": generate_postings(generated_postings, seed),
    }
    counts = {}
    today = svc.clock.today()
    policies = await current_policies(svc)
    postings = read_records("postings") + [
        with_registration(r, i, today) for i, r in enumerate(generated["postings"])
    ]
    projects = await register_demo_projects(svc, postings)
    counts["key_projects"] = len(projects)
    for kind in ("postings", "profiles"):
        if kind == "postings":
            records = postings
        else:
            records = read_records(kind) + [
                with_registration(r, i, today) for i, r in enumerate(generated[kind])
            ]
        spec = KINDS[kind]
        stored = 0
        for start in range(0, len(records), 128):
            chunk = records[start : start + 128]
            items = [
                (
                    r["id"],
                    spec.model.model_validate({k: v for k, v in r.items() if k != "id"}),
                    None,
                )
                for r in chunk
            ]
            context = WriteContext(policies, projects=projects)
            docs = await prepare(svc, spec, items, context=context)
            repo = spec.repository(svc.store)
            errors = await repo.write_many([(d["id"], d) for d in docs])
            if errors:
                raise RuntimeError(f"demo {kind} failed to index: {list(errors.items())[:3]}")
            stored += len(docs)
        await spec.repository(svc.store).refresh_now()
        counts[kind] = stored
    return counts


async def register_demo_projects(
    svc: Services, postings: list[dict[str, Any]]
) -> dict[str, RegisteredProjectDoc]:
    """The demo's registry: every remote project the demo postings name is registered (by
    the regional development and reform commission) and those postings linked to it; the
    inland projects some postings name stay claims, earning no key-project incentive."""
    from matcher.projects.models import KeyProjectIn
    from matcher.projects.service import put_project

    admin = Principal(token_id="demo", role=Role.ADMIN, subject="demo")  # noqa: S106
    registered: dict[str, RegisteredProjectDoc] = {}
    for posting in postings:
        project = posting.get("key_project") or {}
        if not project.get("remote"):
            continue
        name = str(project["name"])
        project_id = "kp-" + hashlib.sha256(name.encode()).hexdigest()[:10]
        posting["key_project_id"] = project_id
        if project_id in registered:
            continue
        body = KeyProjectIn(
            name=name,
            county_code=posting["region_code"],
            authority="内蒙古自治区发展和改革委员会",
            approval_number=f"内发改审批字〔2026〕{len(registered) + 101}号",
            valid_from=date(2026, 1, 1),
            valid_until=date(2030, 12, 31),
        )
        await put_project(svc, principal=admin, project_id=project_id, body=body)
        stored = await svc.store.projects.get(project_id)
        if stored is not None:
            registered[project_id] = stored
    return registered


DEMO_PRINCIPALS = [
    TokenCreate(
        role=Role.OFFICE,
        subject="office-150000",
        region_code="150000",
        label="demo: regional office (内蒙古自治区)",
        expires_in_days=30,
    ),
    TokenCreate(
        role=Role.OFFICE,
        subject="office-150200",
        region_code="150200",
        label="demo: 包头市 office",
        expires_in_days=30,
    ),
    TokenCreate(
        role=Role.ENTERPRISE, subject="ent-baogang", label="demo: enterprise", expires_in_days=30
    ),
    TokenCreate(role=Role.SEEKER, subject="seeker-001", label="demo: seeker", expires_in_days=30),
]


async def demo_tokens(svc: Services) -> dict[str, str]:
    """Fresh tokens for the demo principals: label → bearer token."""
    out = {}
    for request in DEMO_PRINCIPALS:
        created = await create_token(svc, request=request, created_by="demo")
        out[request.label] = created.token
    return out
