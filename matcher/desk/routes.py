"""``/desk``: the matching desk's pages and its vendored static files."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from matcher.desk import pages
from matcher.desk.render import Desk

STATIC = Path(__file__).parent / "static"


def desk_mount(timezone: str) -> Mount:
    """All desk routes under ``/desk`` (kept out of the OpenAPI document: they are pages);
    times shown in ``timezone`` (the service's)."""
    desk = Desk(timezone)
    routes = [
        Route("/", desk.page(pages.home), methods=["GET"]),
        Route("/login", desk.page(pages.login_page), methods=["GET"]),
        Route("/login", desk.page(pages.login_submit), methods=["POST"]),
        Route("/logout", desk.page(pages.logout), methods=["POST"]),
        Route("/candidates", desk.page(pages.candidates), methods=["GET"]),
        Route("/candidates.xlsx", desk.page(pages.candidates_xlsx), methods=["GET"]),
        Route("/postings/suggest", desk.page(pages.suggest), methods=["GET"]),
        Route("/postings/{posting_id}/slip", desk.page(pages.slip), methods=["GET"]),
        Route(
            "/postings/{posting_id}/occupation",
            desk.page(pages.confirm_occupation),
            methods=["POST"],
        ),
        Route("/referrals", desk.page(pages.board), methods=["GET"]),
        Route("/referrals.xlsx", desk.page(pages.board_xlsx), methods=["GET"]),
        Route("/referrals", desk.page(pages.propose), methods=["POST"]),
        Route("/referrals/{referral_id}/status", desk.page(pages.advance), methods=["POST"]),
        Route("/referrals/{referral_id}/undo-hire", desk.page(pages.undo_hire), methods=["POST"]),
        Route("/consents", desk.page(pages.record_consent), methods=["POST"]),
        Route("/consents/confirm", desk.page(pages.confirm_consent), methods=["GET"]),
        Route(
            "/referrals/{referral_id}/confirm-hire", desk.page(pages.confirm_hire), methods=["GET"]
        ),
        Route("/walkin", desk.page(pages.walkin), methods=["GET"]),
        Route("/walkin/find", desk.page(pages.find_returning), methods=["POST"]),
        Route("/todo", desk.page(pages.todo), methods=["GET", "POST"]),
        Route("/profiles/{profile_id}/pause", desk.page(pages.pause_profile), methods=["POST"]),
        Route("/profiles/{profile_id}/resume", desk.page(pages.resume_profile), methods=["POST"]),
        Route("/alerts/{alert_id}/done", desk.page(pages.alert_done), methods=["POST"]),
        Route("/walkin/register", desk.page(pages.register), methods=["POST"]),
        Route("/referrals/{referral_id}/letter", desk.page(pages.letter), methods=["GET"]),
        Route("/bulletins", desk.page(pages.bulletins), methods=["GET"]),
        Route("/bulletins/{bulletin_id}.xlsx", desk.page(pages.bulletin_xlsx), methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="desk-static"),
        # Any other path under /desk: a Chinese page with the navigation, not the API's JSON.
        Route("/{rest:path}", desk.page(pages.not_found), methods=["GET", "POST"]),
    ]
    return Mount("/desk", routes=routes)
