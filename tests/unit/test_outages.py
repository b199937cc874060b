"""Which failures are outages of a backing service (503 + Retry-After), and which are bugs."""

import elastic_transport
import pytest
from elasticsearch import ApiError, BadRequestError
from redis.exceptions import BusyLoadingError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from matcher.store.counters import CounterStoreDown
from matcher.store.outages import OUTAGE_TYPES, unreachable


def meta(status: int) -> elastic_transport.ApiResponseMeta:
    node = elastic_transport.NodeConfig("http", "127.0.0.1", 9200)
    return elastic_transport.ApiResponseMeta(
        status, "1.1", elastic_transport.HttpHeaders(), 0.0, node
    )


@pytest.mark.parametrize(
    ("exc", "service"),
    [
        (elastic_transport.ConnectionError("refused"), "Elasticsearch"),
        (elastic_transport.ConnectionTimeout("timed out"), "Elasticsearch"),
        (ApiError("busy", meta(429), {}), "Elasticsearch"),
        (ApiError("no master", meta(503), {}), "Elasticsearch"),
        (RedisConnectionError("refused"), "Redis"),
        (RedisTimeoutError("timed out"), "Redis"),
        (BusyLoadingError("loading"), "Redis"),
        (CounterStoreDown("down"), "Redis"),
        # Bugs stay 500s: a malformed query, a missing index, anything else.
        (BadRequestError("parsing_exception", meta(400), {}), None),
        (ApiError("index_not_found", meta(404), {}), None),
        (ValueError("no"), None),
    ],
)
def test_outages_name_their_service_and_bugs_none(exc: Exception, service: str | None) -> None:
    assert unreachable(exc) == service
    if service is not None:
        assert isinstance(exc, OUTAGE_TYPES)
