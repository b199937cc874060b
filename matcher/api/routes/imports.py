"""``POST /v1/imports`` (upload, returns a job id at once) and ``GET /v1/imports/{id}``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import QueryModel
from matcher.foundation.paging import Page
from matcher.foundation.principals import Role
from matcher.foundation.problems import ValidationFailed
from matcher.foundation.sheets import XLSX_MEDIA
from matcher.imports import service
from matcher.imports.models import ImportStatus
from matcher.imports.parse import Format
from matcher.imports.service import Upload

IMPORTERS = frozenset({Role.ENTERPRISE, Role.OFFICE, Role.ADMIN})
_FORMATS: dict[str, Format] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/jsonlines": "jsonl",
    XLSX_MEDIA: "xlsx",
}


class UploadQuery(QueryModel):
    kind: Literal["profiles", "postings"] = Field(description="What the file holds")
    mode: Literal["strict", "sanitize"] = Field(
        default="strict",
        description="strict (default): a row whose text states a discriminatory requirement "
        "fails. sanitize (offices and admins importing postings): the clause is cut out of "
        "the stored text, the posting keeps a compliance_note and its enterprise is told",
    )


class ProgressQuery(QueryModel):
    errors_offset: int = Field(default=0, ge=0, description="Default 0")
    errors_limit: int = Field(default=100, ge=1, le=1000, description="Default 100")


def _format(call: Call[None, UploadQuery]) -> Format:
    media = call.request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = _FORMATS.get(media)
    if fmt is None:
        raise ValidationFailed(
            "Unsupported file type",
            [
                {
                    "field": "content-type",
                    "message": f"text/csv, application/x-ndjson (JSONL) or {XLSX_MEDIA} (.xlsx)",
                }
            ],
        )
    return fmt


async def create_import(call: Call[None, UploadQuery]) -> Response:
    """Upload an Excel workbook (.xlsx, the first sheet), a CSV (UTF-8 or GB18030) — both with
    Chinese or English headers — or a JSONL file of profiles or postings (``?kind=``).
    Returns 202 with the import's id at once; a background job parses, validates, normalizes,
    embeds and indexes it. Rows are stored whole or reported."""
    declared = call.request.headers.get("content-length")
    upload = Upload(
        kind=call.query.kind,
        fmt=_format(call),
        chunks=call.request.stream(),
        declared_size=int(declared) if declared and declared.isdigit() else None,
        mode=call.query.mode,
    )
    status = await service.create_import(
        call.services, principal=call.require_principal(), upload=upload
    )
    return json_response(status, status=202)


async def get_import(call: Call[None, ProgressQuery]) -> Response:
    """Progress (rows done / total, rate, ETA) and, as rows fail, their errors (row, field,
    message), paged with ``errors_offset`` / ``errors_limit``."""
    status = await service.get_import(
        call.services,
        principal=call.require_principal(),
        import_id=call.path["import_id"],
        errors=Page(limit=call.query.errors_limit, offset=call.query.errors_offset),
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
        query=UploadQuery,
        conflicts=False,
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
        query=ProgressQuery,
    ),
]
