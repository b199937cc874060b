"""The registry of key construction projects (重点建设项目).

Admins record each project with its approval (authority, document number), place and
validity; whether it is remote follows from its county and the configured remote areas, not
from what anyone says. A posting earns key-project incentives only when an office or admin
links it to an active registered project (``matcher.postings.service.link_key_project``); a
project name an enterprise writes stays a claim. Postings linked to a project that was
retired or whose validity ended are unlinked by the life-cycle job (``unlink_lapsed``), and
at once when an admin retires it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from indexes.documents import RegisteredProjectDoc
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import Conflict, NotFound, ValidationFailed
from matcher.postings.service import link_key_project
from matcher.projects.models import KeyProjectIn, KeyProjectList, KeyProjectOut
from matcher.records.prepare import MAX_WRITE_TRIES
from matcher.services import Services
from matcher.store.outages import unreachable

logger = logging.getLogger("matcher.projects")

SYSTEM = Principal(token_id="lifecycle", role=Role.ADMIN, subject="lifecycle")  # noqa: S106


def _out(doc: RegisteredProjectDoc) -> KeyProjectOut:
    return KeyProjectOut.model_validate(
        {k: v for k, v in doc.items() if k in KeyProjectOut.model_fields}
    )


async def put_project(
    svc: Services, *, principal: Principal, project_id: str, body: KeyProjectIn
) -> tuple[KeyProjectOut, bool]:
    """Create or replace a project (admins); a retired one's postings are unlinked."""
    regions = svc.taxonomy.regions
    if not regions.is_valid(body.county_code):
        raise ValidationFailed(
            "Unknown region",
            [{"field": "county_code", "message": f"unknown region code {body.county_code}"}],
        )
    repo = svc.store.projects
    for _ in range(MAX_WRITE_TRIES):
        versioned = await repo.get_versioned(project_id)
        stamp = svc.clock.timestamp()
        doc: RegisteredProjectDoc = {
            **body.model_dump(mode="json"),  # type: ignore[typeddict-item]
            "id": project_id,
            "city_code": regions.city_of(body.county_code),
            "remote": regions.is_remote(body.county_code),
            "recorded_by": f"{principal.role.value}:{principal.subject}",
            "created_at": versioned.doc["created_at"] if versioned else stamp,
            "updated_at": stamp,
            "indexed_at": stamp,
        }
        if await repo.replace(project_id, doc, versioned.version if versioned else None):
            if body.status == "retired":
                await unlink_lapsed(svc)
            return _out(doc), versioned is None
    raise Conflict(f"Key project {project_id} is being changed by someone else; try again")


async def get_project(svc: Services, *, project_id: str) -> KeyProjectOut:
    found = await svc.store.projects.get(project_id)
    if found is None:
        raise NotFound(f"No key project {project_id}")
    return _out(found)


async def list_projects(
    svc: Services, *, region: str | None, statuses: Sequence[str], page: Page
) -> KeyProjectList:
    docs, total = await svc.store.projects.page(
        region=region, statuses=statuses, offset=page.offset, limit=page.limit
    )
    return KeyProjectList(projects=[_out(d) for d in docs], total=total)


async def unlink_lapsed(svc: Services) -> int:
    """Take the link off postings whose project was retired or whose validity ended; how
    many (they lose their key-project incentives)."""
    today = svc.clock.today().isoformat()
    lapsed = await svc.store.projects.lapsed(today)
    unlinked = 0
    for posting_id in await svc.store.postings.linked_to(lapsed):
        try:
            await link_key_project(svc, principal=SYSTEM, posting_id=posting_id, project_id=None)
        except NotFound:  # deleted meanwhile
            continue
        except Exception as exc:
            # One posting that cannot be rewritten must not stop the others (or the job);
            # an outage stops the run, and the next one tries again.
            if unreachable(exc):
                raise
            logger.warning("unlinking posting %s failed (%s)", posting_id, type(exc).__name__)
            continue
        unlinked += 1
    return unlinked
