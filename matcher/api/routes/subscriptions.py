"""``/v1/saved-searches``: saved searches and subscriptions, whose alerts reach the inbox
and, where one is registered, a webhook (``matcher.subscriptions``)."""

from __future__ import annotations

from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import Paging
from matcher.foundation.principals import Role
from matcher.subscriptions import service
from matcher.subscriptions.models import (
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionList,
    SubscriptionOut,
)

OWNERS = frozenset({Role.SEEKER, Role.ENTERPRISE, Role.OFFICE, Role.ADMIN})


async def create(call: Call[SubscriptionIn, None]) -> Response:
    """Save a search or subscribe. ``postings``: the body of ``POST /v1/search/postings`` in
    ``search`` (seekers, offices, admins); ``profile_matches``: new postings for
    ``profile_id`` (its seeker, offices of its region — e.g. for a worker registered at the
    window); ``posting_candidates``: new candidates for ``posting_id`` (its enterprise, offices
    of its region). Each new record that satisfies it raises one alert in the inbox
    (``GET /v1/alerts``), never for a 不对口 record. With ``webhook_url`` (https, public
    addresses only) each alert is also POSTed, signed with the ``webhook_secret`` returned
    here once; ``delivery: daily`` sends one digest a day instead. At most 50 each (409)."""
    created = await service.create_subscription(
        call.services, principal=call.require_principal(), body=call.body
    )
    return json_response(created, status=201)


async def list_own(call: Call[None, Paging]) -> Response:
    """The caller's saved searches and subscriptions, newest first."""
    result = await service.list_subscriptions(
        call.services, principal=call.require_principal(), page=call.query.page()
    )
    return json_response(result)


async def get_one(call: Call[None, None]) -> Response:
    """One of the caller's saved searches (another's is 404); ``webhook_state`` says whether
    deliveries stopped after failing."""
    found = await service.get_subscription(
        call.services, principal=call.require_principal(), search_id=call.path["search_id"]
    )
    return json_response(found)


async def delete(call: Call[None, None]) -> Response:
    """Delete one of the caller's saved searches; its alerts stay in the inbox."""
    await service.delete_subscription(
        call.services, principal=call.require_principal(), search_id=call.path["search_id"]
    )
    return Response(status_code=204)


PATH = "/v1/saved-searches"
ROUTES = [
    ApiRoute(
        PATH,
        "POST",
        create,
        "Save a search or subscribe to new matches",
        OWNERS,
        "saved-searches",
        body=SubscriptionIn,
        response=SubscriptionCreated,
        status=201,
        also={404: "The profile or posting to follow is unknown, or not one the caller may match"},
    ),
    ApiRoute(
        PATH,
        "GET",
        list_own,
        "List the caller's saved searches",
        OWNERS,
        "saved-searches",
        response=SubscriptionList,
        query=Paging,
    ),
    ApiRoute(
        PATH + "/{search_id}",
        "GET",
        get_one,
        "Read a saved search",
        OWNERS,
        "saved-searches",
        response=SubscriptionOut,
        id_params=("search_id",),
    ),
    ApiRoute(
        PATH + "/{search_id}",
        "DELETE",
        delete,
        "Delete a saved search",
        OWNERS,
        "saved-searches",
        status=204,
        id_params=("search_id",),
    ),
]
