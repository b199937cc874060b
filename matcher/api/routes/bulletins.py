"""Bulletin endpoints: list, read (JSON / CSV), publish, live figures, and the public page.

Published bulletins are public documents: every signed-in role (the public read token too)
lists and reads them, and ``/bulletins/{id}`` serves the HTML page without a token. Publishing
and live figures belong to offices (their own scope) and administrators.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from starlette.responses import HTMLResponse, Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import Paging, QueryModel
from matcher.bulletins import service
from matcher.bulletins.export import to_csv, to_xlsx
from matcher.bulletins.models import BULLETIN_ID, Bulletin, BulletinList, Kind, PublishRequest
from matcher.bulletins.page import render
from matcher.bulletins.scope import scope_for
from matcher.bulletins.service import BulletinFilter, Publication
from matcher.foundation.periods import containing, last_ended, parse_period
from matcher.foundation.principals import ALL_ROLES, Role
from matcher.foundation.problems import BulletinNotFound
from matcher.foundation.sheets import XLSX_MEDIA

PUBLISHERS = frozenset({Role.OFFICE, Role.ADMIN})
PERIOD_HELP = "2026Q3, 2026-07, 2026 or a range a..b"


class ListQuery(Paging):
    kind: Kind | None = Field(default=None, description="Bulletin kind")
    period: str | None = Field(default=None, max_length=30, description=PERIOD_HELP)
    scope: str | None = Field(default=None, pattern=r"^\d{6}$", description="Region code")
    limit: int = Field(default=20, ge=1, le=service.MAX_LIST, description="Default 20")


class FormatQuery(QueryModel):
    format: Literal["json", "csv", "xlsx"] = Field(
        default="json",
        description="csv: one table, UTF-8 with BOM, for Excel; xlsx: an Excel workbook with "
        "every table of the bulletin, one sheet each",
    )
    table: Literal["rows", "shortage"] | None = Field(
        default=None,
        description="CSV of a supply-demand bulletin: its rows (default) or the shortage ranking",
    )


class LiveQuery(FormatQuery):
    kind: Kind = Field(description="Bulletin kind")
    period: str | None = Field(
        default=None, max_length=30, description="Default: the current period"
    )
    scope: str | None = Field(
        default=None, pattern=r"^\d{6}$", description="Default: the office's region"
    )


def _respond(query: FormatQuery, bulletin: Bulletin, status: int = 200) -> Response:
    fmt, table = query.format, query.table
    if fmt == "json":
        return json_response(bulletin, status)
    name = bulletin.id or f"live-{bulletin.kind.value}-{bulletin.scope}-{bulletin.period}"
    if fmt == "xlsx":
        return Response(
            to_xlsx(bulletin),
            status_code=status,
            media_type=XLSX_MEDIA,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
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


async def list_bulletins(call: Call[None, ListQuery]) -> Response:
    """Published bulletins, newest period first; every version is listed, each naming the one
    it replaces and the one that supersedes it."""
    q = call.query
    selection = BulletinFilter(
        kind=q.kind, period=parse_period(q.period).label if q.period else None, scope=q.scope
    )
    found = await service.list_bulletins(call.services, selection=selection, page=q.page())
    return json_response(found)


async def get_bulletin(call: Call[None, FormatQuery]) -> Response:
    """One published bulletin as JSON, as CSV with ``format=csv`` or as an Excel workbook with
    ``format=xlsx``."""
    bulletin = await service.get(call.services, _checked_id(call.path["bulletin_id"]))
    return _respond(call.query, bulletin)


async def publish(call: Call[PublishRequest, None]) -> Response:
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
        publication=Publication(principal.role.value, principal.subject, body.reason),
    )
    if bulletin is None:  # only_if_missing is off, so a version was always written
        raise RuntimeError("publish wrote nothing")
    return json_response(bulletin, 201)


async def live(call: Call[None, LiveQuery]) -> Response:
    """Figures computed now, not published: the current period so far by default, for the
    office's own scope. JSON, CSV (``format=csv``) or Excel (``format=xlsx``)."""
    svc, q = call.services, call.query
    kind = q.kind
    scope = scope_for(
        call.require_principal(),
        q.scope,
        default=svc.settings.bulletin_region,
        regions=svc.taxonomy.regions,
    )
    raw = q.period
    if raw:
        period = parse_period(raw)
    else:
        period = containing(svc.settings.bulletin_period, service.today(svc))
    bulletin = await service.compute(svc, kind=kind, period=period, scope=scope)
    return _respond(
        call.query, bulletin.model_copy(update={"notes": ["未发布的实时数据。", *bulletin.notes]})
    )


async def page(call: Call[None, None]) -> Response:
    """The bulletin as a Chinese HTML page with tables and SVG charts (no token needed)."""
    bulletin_id = _checked_id(call.path["bulletin_id"])
    bulletin = await service.get(call.services, bulletin_id)
    later = await service.superseded_by(call.services, [bulletin_id])
    zone = ZoneInfo(call.services.settings.timezone)
    return HTMLResponse(render(bulletin, superseded_by=later.get(bulletin_id), zone=zone))


ROUTES = [
    ApiRoute(
        "/v1/bulletins",
        "GET",
        list_bulletins,
        "List published bulletins",
        ALL_ROLES,
        "bulletins",
        response=BulletinList,
        query=ListQuery,
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
        query=LiveQuery,
        alt_media=("text/csv", XLSX_MEDIA),
    ),
    ApiRoute(
        "/v1/bulletins/{bulletin_id}",
        "GET",
        get_bulletin,
        "A published bulletin (JSON, CSV or Excel)",
        ALL_ROLES,
        "bulletins",
        response=Bulletin,
        query=FormatQuery,
        alt_media=("text/csv", XLSX_MEDIA),
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
