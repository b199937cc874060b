"""OpenAPI 3.1 generated from the declared ``ApiRoute`` list, and a browsable HTML docs page.

The docs page is rendered on the server from the same document: no CDN, no JavaScript.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from matcher import __version__
from matcher.api.http import ApiRoute
from matcher.foundation.records import RECORD_ID_PATTERN

_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def build_openapi(routes: Sequence[ApiRoute]) -> dict[str, Any]:
    models: set[type[BaseModel]] = set()
    for r in routes:
        models.update(m for m in (r.body, r.response) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    _, top = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    schemas["Problem"] = _PROBLEM_SCHEMA

    paths: dict[str, dict[str, Any]] = {}
    for r in routes:
        op: dict[str, Any] = {
            "operationId": r.handler.__name__,
            "summary": r.summary,
            "description": (r.handler.__doc__ or "").strip(),
            "tags": [r.tag],
            "parameters": [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": (
                        {"type": "string", "pattern": RECORD_ID_PATTERN, "maxLength": 64}
                        if name in r.id_params
                        else {"type": "string"}
                    ),
                }
                for name in _path_params(r.path)
            ]
            + _query_params(r.query),
            "responses": {},
        }
        if r.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(r.body)}},
            }
        if r.upload_media:
            op["requestBody"] = {
                "required": True,
                "content": {
                    m: {"schema": {"type": "string", "format": "binary"}} for m in r.upload_media
                },
            }
        ok: dict[str, Any] = {"description": "Success"}
        if r.response is not None:
            ok["content"] = {r.media_type: {"schema": _ref(r.response)}}
        for media in r.alt_media:
            ok.setdefault("content", {})[media] = {"schema": {"type": "string"}}
        op["responses"][str(r.status)] = ok
        if r.created:
            op["responses"]["200"] = {**ok, "description": "Replaced, or found as it was"}
            op["responses"]["201"] = {**ok, "description": "Created"}
        if r.roles is not None:
            op["security"] = [{"bearer": []}]
            op["x-roles"] = sorted(role.value for role in r.roles)
        op["responses"].update(_error_responses(r))
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Talent matcher API",
            "version": __version__,
            "description": "Job matching for a region's public employment service. "
            "Errors are application/problem+json (RFC 9457).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _error_responses(r: ApiRoute) -> dict[str, Any]:
    """The problem answers an operation can give."""
    out: dict[str, Any] = {}
    if r.roles is not None:
        out["401"] = _problem("Missing, invalid, expired or revoked token")
        out["403"] = _problem("The token's role may not do this")
        out["429"] = _problem("A rate limit or daily quota is spent; see the Retry-After header")
    if r.body is not None or r.upload_media:
        out["400"] = _problem(
            "Unreadable body: not JSON, nested deeper than 32 levels, a number over 64 digits"
        )
        out["413"] = _problem("Body larger than the configured bound")
        out["415"] = _problem("Body not in an accepted media type")
    if r.body is not None or r.query is not None or _path_params(r.path):
        out["422"] = _problem("Invalid body, query or path value; `errors` names each field")
    if _path_params(r.path):
        out["404"] = _problem(
            "No such record, or one the caller may not read (the two are not told apart)"
        )
    if r.may_conflict:
        out["409"] = _problem(
            "Conflicts with the stored state: the record changed meanwhile (read it again), "
            "a limit is reached, or its state does not allow this; `detail` says which"
        )
    for status, when in r.also.items():
        out[str(status)] = _problem(when)
    unavailable = _problem("Elasticsearch or Redis is out; retry after Retry-After seconds")
    unavailable["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    out["503"] = unavailable
    return out


def _query_params(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    """The query model's fields as OpenAPI parameters (definitions inlined)."""
    if model is None:
        return []
    schema = model.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = _inline(prop, defs)
        description = prop.pop("description", "")
        prop.pop("title", None)
        depth = getattr(model, "depth", None)
        if name == "offset" and isinstance(depth, int):
            # offset + limit ≤ depth: at least the offset alone says so.
            prop.setdefault("maximum", depth - 1)
        out.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": prop,
                "description": description,
            }
        )
    return out


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(dict(defs[schema["$ref"].rsplit("/", 1)[-1]]), defs)
        return {k: _inline(v, defs) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _path_params(path: str) -> list[str]:
    return [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{")]


def render_docs(spec: dict[str, Any]) -> str:
    """A plain, readable HTML page of every operation, grouped by tag."""
    esc = html.escape
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            by_tag.setdefault(op["tags"][0], []).append((method.upper(), path, op))
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{esc(spec['info']['title'])}</title><style>",
        "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:980px;margin:2em auto;"
        "padding:0 1em;color:#1b1b1b}code,pre{background:#f3f3f3;padding:2px 4px}"
        "pre{padding:8px;overflow:auto}.m{font-weight:bold;display:inline-block;width:5em}"
        "section{border-top:1px solid #ddd;padding:.5em 0}</style></head><body>",
        f"<h1>{esc(spec['info']['title'])} <small>{esc(spec['info']['version'])}</small></h1>",
        f"<p>{esc(spec['info']['description'])} "
        "Machine-readable: <a href='/openapi.json'>/openapi.json</a>.</p>",
    ]
    for tag, ops in sorted(by_tag.items()):
        parts.append(f"<h2 id='{esc(tag)}'>{esc(tag)}</h2>")
        for method, path, op in ops:
            roles = ", ".join(op.get("x-roles", [])) or "public"
            parts.append(
                f"<section><h3><span class='m'>{method}</span><code>{esc(path)}</code></h3>"
                f"<p>{esc(op['summary'])}. {esc(op['description'])}</p><p>Roles: {esc(roles)}</p>"
            )
            if op["parameters"]:
                items = "".join(
                    f"<li><code>{esc(p['name'])}</code> ({p['in']}) {esc(p.get('description', ''))}"
                    "</li>"
                    for p in op["parameters"]
                )
                parts.append(f"<p>Parameters:</p><ul>{items}</ul>")
            if "requestBody" in op:
                content = op["requestBody"]["content"]
                if "$ref" in next(iter(content.values()))["schema"]:
                    parts.append(_schema_block("Body", content, spec))
                else:
                    parts.append(f"<p>Body: a file, as {esc(', '.join(content))}</p>")
            for status, resp in op["responses"].items():
                content = resp.get("content")
                if content and not status.startswith(("4", "5")):
                    parts.append(_schema_block(f"Response {status}", content, spec))
            parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


def _schema_block(label: str, content: dict[str, Any], spec: dict[str, Any]) -> str:
    schema = next(iter(content.values()))["schema"]
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    resolved = spec["components"]["schemas"].get(name, schema)
    body = html.escape(json.dumps(resolved, ensure_ascii=False, indent=2))
    summary = f"{html.escape(label)}: {html.escape(name)}"
    return f"<details><summary>{summary}</summary><pre>{body}</pre></details>"
