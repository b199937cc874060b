"""Bulletin endpoints: list, read (JSON / CSV), publish, live figures, and the public page.

Published bulletins are public documents: every signed-in role (the public read token too)
lists and reads them, and ``/bulletins/{id}`` serves the HTML page without a token. Publishing
and live figures belong to offices (their own scope) and administrators.
"""

from __future__ import annotations

import re

from starlette.responses import HTMLResponse, Response

from matcher.api.http import ApiRoute, Call, QueryParam, json_response
from matcher.auth.models import ALL_ROLES, Role
from matcher.bulletins import service
from matcher.bulletins.export import to_csv
from matcher.bulletins.models import Bulletin, BulletinList, Kind, PublishRequest
from matcher.bulletins.page import render
from matcher.bulletins.periods import containing, last_ended, parse_period
from matcher.bulletins.problems import BulletinNotFound
from matcher.bulletins.scope import scope_for
from matcher.foundation.problems import ValidationFailed

PUBLISHERS = frozenset({Role.OFFICE, Role.ADMIN})
BULLETIN_ID = re.compile(r"^(supply-demand|wages)-\d{6}-[0-9Q.-]{4,25}-v\d{1,4}$")
KIND_PARAM = QueryParam(
    "kind", {"type": "string", "enum": [k.value for k in Kind]}, "Bulletin kind"
)
FORMAT_PARAM = QueryParam(
    "format", {"type": "string", "enum": ["json", "csv"]}, "csv: UTF-8 with BOM, for Excel"
)
TABLE_PARAM = QueryParam(
    "table",
    {"type": "string", "enum": ["rows", "shortage"]},
    "CSV of a supply-demand bulletin: its rows (default) or the shortage ranking",
)


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"Invalid {field}", [{"field": field, "message": message}])


def _kind(raw: str | None, *, required: bool) -> Kind | None:
    if raw is None:
        if required:
            raise _bad("kind", f"required: one of {', '.join(k.value for k in Kind)}")
        return None
    try:
        return Kind(raw)
    except ValueError:
        raise _bad("kind", f"one of {', '.join(k.value for k in Kind)}") from None


def _int(call: Call[None], name: str, default: int, low: int, high: int) -> int:
    raw = call.request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise _bad(name, f"an integer from {low} to {high}")
    return int(raw)


def _respond(call: Call[None], bulletin: Bulletin, status: int = 200) -> Response:
    params = call.request.query_params
    fmt = params.get("format", "json")
    if fmt not in ("json", "csv"):
        raise _bad("format", "json or csv")
    table = params.get("table")
    if table not in (None, "rows", "shortage"):
        raise _bad("table", "rows or shortage")
    if fmt == "json":
        return json_response(bulletin, status)
    name = bulletin.id or f"live-{bulletin.kind.value}-{bulletin.scope}-{bulletin.period}"
    suffix = "-shortage" if table == "shortage" and bulletin.kind is Kind.SUPPLY_DEMAND else ""
    return Response(
        to_csv(bulletin, table),
        status_code=status,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}{suffix}.csv"'},
    )


def _checked_id(raw: str) -> str:
    if not BULLETIN_ID.match(raw):
        raise BulletinNotFound(f"No published bulletin {raw[:80]}")
    return raw


async def list_bulletins(call: Call[None]) -> Response:
    """Published bulletins, newest period first; every version is listed, each naming the one
    it replaces and the one that supersedes it."""
    params = call.request.query_params
    period = params.get("period")
    if period is not None:
        period = parse_period(period).label
    found = await service.list_bulletins(
        call.services,
        kind=_kind(params.get("kind"), required=False),
        period=period,
        scope=params.get("scope"),
        limit=_int(call, "limit", 20, 1, service.MAX_LIST),
        offset=_int(call, "offset", 0, 0, 10_000),
    )
    return json_response(found)


async def get_bulletin(call: Call[None]) -> Response:
    """One published bulletin as JSON, or as CSV with ``format=csv``."""
    bulletin = await service.get(call.services, _checked_id(call.path["bulletin_id"]))
    return _respond(call, bulletin)


async def publish(call: Call[PublishRequest]) -> Response:
    """Publish a bulletin for an ended period (default: the last ended quarter) and a scope
    (an office: its own region or a league-city in it). Publishing one that exists creates the
    next version, which names the one it replaces; the old version is never changed."""
    svc, principal, body = call.services, call.require_principal(), call.body
    scope = scope_for(
        principal, body.scope, default=svc.settings.bulletin_region, regions=svc.taxonomy.regions
    )
    if body.period:
        period = parse_period(body.period)
    else:
        period = last_ended(svc.settings.bulletin_period, service.today(svc))
    bulletin = await service.publish(
        svc,
        kind=body.kind,
        period=period,
        scope=scope,
        trigger=principal.role.value,
        published_by=principal.subject,
        reason=body.reason,
    )
    if bulletin is None:  # only_if_missing is off, so a version was always written
        raise RuntimeError("publish wrote nothing")
    return json_response(bulletin, 201)


async def live(call: Call[None]) -> Response:
    """Figures computed now, not published: the current period so far by default, for the
    office's own scope. JSON, or CSV with ``format=csv``."""
    svc, params = call.services, call.request.query_params
    kind = _kind(params.get("kind"), required=True) or Kind.SUPPLY_DEMAND
    scope = scope_for(
        call.require_principal(),
        params.get("scope"),
        default=svc.settings.bulletin_region,
        regions=svc.taxonomy.regions,
    )
    raw = params.get("period")
    if raw:
        period = parse_period(raw)
    else:
        period = containing(svc.settings.bulletin_period, service.today(svc))
    bulletin = await service.compute(svc, kind=kind, period=period, scope=scope)
    return _respond(
        call, bulletin.model_copy(update={"notes": ["未发布的实时数据。", *bulletin.notes]})
    )


async def page(call: Call[None]) -> Response:
    """The bulletin as a Chinese HTML page with tables and SVG charts (no token needed)."""
    bulletin_id = _checked_id(call.path["bulletin_id"])
    bulletin = await service.get(call.services, bulletin_id)
    later = await service.superseded_by(call.services, [bulletin_id])
    return HTMLResponse(render(bulletin, superseded_by=later.get(bulletin_id)))


ROUTES = [
    ApiRoute(
        "/v1/bulletins",
        "GET",
        list_bulletins,
        "List published bulletins",
        ALL_ROLES,
        "bulletins",
        response=BulletinList,
        query=[
            KIND_PARAM,
            QueryParam("period", {"type": "string"}, "2026Q3, 2026-07, 2026 or a range a..b"),
            QueryParam("scope", {"type": "string"}, "Region code"),
            QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Default 20"),
            QueryParam("offset", {"type": "integer", "minimum": 0}, "Default 0"),
        ],
    ),
    ApiRoute(
        "/v1/bulletins",
        "POST",
        publish,
        "Publish a bulletin (or a corrected version)",
        PUBLISHERS,
        "bulletins",
        body=PublishRequest,
        response=Bulletin,
        status=201,
    ),
    ApiRoute(
        "/v1/bulletins/live",
        "GET",
        live,
        "Live (unpublished) figures for a scope",
        PUBLISHERS,
        "bulletins",
        response=Bulletin,
        query=[
            KIND_PARAM,
            QueryParam("period", {"type": "string"}, "Default: the current period"),
            QueryParam("scope", {"type": "string"}, "Default: the office's region"),
            FORMAT_PARAM,
            TABLE_PARAM,
        ],
    ),
    ApiRoute(
        "/v1/bulletins/{bulletin_id}",
        "GET",
        get_bulletin,
        "A published bulletin (JSON or CSV)",
        ALL_ROLES,
        "bulletins",
        response=Bulletin,
        query=[FORMAT_PARAM, TABLE_PARAM],
    ),
    ApiRoute(
        "/bulletins/{bulletin_id}",
        "GET",
        page,
        "A published bulletin as an HTML page",
        None,
        "bulletins",
        media_type="text/html",
    ),
]
