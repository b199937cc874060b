"""``/desk``: the matching desk's pages and its vendored static files."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from matcher.desk.pages import build_pages
from matcher.desk.render import Desk

STATIC = Path(__file__).parent / "static"


def desk_mount() -> Mount:
    """All desk routes under ``/desk`` (kept out of the OpenAPI document: they are pages)."""
    pages = build_pages(Desk())
    routes = [
        Route("/", pages["home"], methods=["GET"]),
        Route("/login", pages["login_page"], methods=["GET"]),
        Route("/login", pages["login_submit"], methods=["POST"]),
        Route("/logout", pages["logout"], methods=["POST"]),
        Route("/candidates", pages["candidates"], methods=["GET"]),
        Route("/postings/suggest", pages["suggest"], methods=["GET"]),
        Route("/referrals", pages["board"], methods=["GET"]),
        Route("/referrals", pages["propose"], methods=["POST"]),
        Route("/referrals/{referral_id}/status", pages["advance"], methods=["POST"]),
        Route("/consents", pages["record_consent"], methods=["POST"]),
        Route("/walkin", pages["walkin"], methods=["GET"]),
        Route("/bulletins", pages["bulletins"], methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="desk-static"),
    ]
    return Mount("/desk", routes=routes)
