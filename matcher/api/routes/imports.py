"""``POST /v1/imports`` (upload, returns a job id at once) and ``GET /v1/imports/{id}``."""

from __future__ import annotations

from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, QueryParam, json_response
from matcher.auth.models import Role
from matcher.foundation.problems import ValidationFailed
from matcher.imports import service
from matcher.imports.models import ImportStatus
from matcher.imports.parse import Format, Kind

IMPORTERS = frozenset({Role.ENTERPRISE, Role.OFFICE, Role.ADMIN})
_FORMATS: dict[str, Format] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/jsonlines": "jsonl",
}


def _kind(call: Call[None]) -> Kind:
    kind = call.request.query_params.get("kind")
    if kind == "profiles":
        return "profiles"
    if kind == "postings":
        return "postings"
    raise ValidationFailed("Invalid kind", [{"field": "kind", "message": "profiles or postings"}])


def _format(call: Call[None]) -> Format:
    media = call.request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = _FORMATS.get(media)
    if fmt is None:
        raise ValidationFailed(
            "Unsupported file type",
            [{"field": "content-type", "message": "text/csv or application/x-ndjson (JSONL)"}],
        )
    return fmt


async def create_import(call: Call[None]) -> Response:
    """Upload a CSV (UTF-8 or GB18030, Chinese or English headers) or JSONL file of profiles or
    postings (``?kind=``). Returns 202 with the import's id at once; a background job parses,
    validates, normalises, embeds and indexes it. Rows are stored whole or reported."""
    declared = call.request.headers.get("content-length")
    status = await service.create_import(
        call.services,
        principal=call.require_principal(),
        kind=_kind(call),
        fmt=_format(call),
        chunks=call.request.stream(),
        declared_size=int(declared) if declared and declared.isdigit() else None,
    )
    return json_response(status, status=202)


async def get_import(call: Call[None]) -> Response:
    """Progress (rows done / total, rate, ETA) and, as rows fail, their errors (row, field,
    message), paged with ``errors_offset`` / ``errors_limit``."""
    params = call.request.query_params
    offset, limit = params.get("errors_offset", "0"), params.get("errors_limit", "100")
    if not (offset.isdigit() and limit.isdigit() and 1 <= int(limit) <= 1000):
        raise ValidationFailed(
            "Invalid paging",
            [{"field": "errors_limit", "message": "errors_offset ≥ 0, errors_limit 1–1000"}],
        )
    status = await service.get_import(
        call.services,
        principal=call.require_principal(),
        import_id=call.path["import_id"],
        errors_offset=int(offset),
        errors_limit=int(limit),
    )
    return json_response(status)


ROUTES = [
    ApiRoute(
        "/v1/imports",
        "POST",
        create_import,
        "Start a bulk import",
        IMPORTERS,
        "imports",
        response=ImportStatus,
        status=202,
        upload_media=tuple(_FORMATS),
        query=[
            QueryParam(
                "kind", {"enum": ["profiles", "postings"]}, "What the file holds", required=True
            )
        ],
    ),
    ApiRoute(
        "/v1/imports/{import_id}",
        "GET",
        get_import,
        "Import progress and errors",
        IMPORTERS,
        "imports",
        response=ImportStatus,
        id_params=("import_id",),
        query=[
            QueryParam("errors_offset", {"type": "integer", "minimum": 0}, "Default 0"),
            QueryParam(
                "errors_limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "Default 100"
            ),
        ],
    ),
]
