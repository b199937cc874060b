"""``/v1/key-projects``: the registry of key construction projects; ``PUT
/v1/postings/{posting_id}/key-project``: link a posting to one (``matcher.projects``)."""

from __future__ import annotations

from pydantic import Field
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import Paging, RegionParam
from matcher.foundation.principals import ADMIN_ONLY, ALL_ROLES, Role
from matcher.postings import service as postings
from matcher.postings.models import LinkProject, PostingOut
from matcher.projects import service
from matcher.projects.models import KeyProjectIn, KeyProjectList, KeyProjectOut


class ProjectsQuery(Paging):
    region: RegionParam | None = Field(default=None, description="Projects inside this region")
    status: str | None = Field(
        default=None,
        pattern=r"^(active|retired)(,(active|retired))?$",
        description="active, retired",
    )


async def put_project(call: Call[KeyProjectIn, None]) -> Response:
    """Record or change a registered key project (admins): its approval, place and validity.
    Whether it is remote follows from its county. Retiring it unlinks its postings at once;
    those of a project whose validity ended are unlinked by the life-cycle job (every 15 min)."""
    project, created = await service.put_project(
        call.services,
        principal=call.require_principal(),
        project_id=call.path["project_id"],
        body=call.body,
    )
    return json_response(project, status=201 if created else 200)


async def get_project(call: Call[None, None]) -> Response:
    """A registered key project."""
    return json_response(
        await service.get_project(call.services, project_id=call.path["project_id"])
    )


async def list_projects(call: Call[None, ProjectsQuery]) -> Response:
    """Registered key projects, by name; ``region`` narrows to a league-city or county."""
    statuses = [s for s in (call.query.status or "").split(",") if s]
    result = await service.list_projects(
        call.services, region=call.query.region, statuses=statuses, page=call.query.page()
    )
    return json_response(result)


async def link_posting(call: Call[LinkProject, None]) -> Response:
    """Link a posting to an active registered key project, or with ``null`` take the link off
    (offices of the posting's region, admins). Only a linked posting earns key-project
    incentives; its project's name and remoteness come from the registry."""
    posting = await postings.link_key_project(
        call.services,
        principal=call.require_principal(),
        posting_id=call.path["posting_id"],
        project_id=call.body.project_id,
    )
    return json_response(posting)


LINKERS = frozenset({Role.OFFICE, Role.ADMIN})
ROUTES = [
    ApiRoute(
        "/v1/key-projects",
        "GET",
        list_projects,
        "List registered key projects",
        ALL_ROLES,
        "key-projects",
        response=KeyProjectList,
        query=ProjectsQuery,
    ),
    ApiRoute(
        "/v1/key-projects/{project_id}",
        "GET",
        get_project,
        "Read a registered key project",
        ALL_ROLES,
        "key-projects",
        response=KeyProjectOut,
        id_params=("project_id",),
    ),
    ApiRoute(
        "/v1/key-projects/{project_id}",
        "PUT",
        put_project,
        "Register or change a key project",
        ADMIN_ONLY,
        "key-projects",
        body=KeyProjectIn,
        response=KeyProjectOut,
        id_params=("project_id",),
        created=True,
    ),
    ApiRoute(
        "/v1/postings/{posting_id}/key-project",
        "PUT",
        link_posting,
        "Link a posting to a registered key project",
        LINKERS,
        "postings",
        body=LinkProject,
        response=PostingOut,
        id_params=("posting_id",),
    ),
]
