"""Which failures mean that a backing service is unreachable or overloaded — an outage the
caller should retry after, answered 503 with ``Retry-After`` — rather than a bug (500).

Errors: none; ``unreachable`` only classifies.
"""

from __future__ import annotations

from typing import Final

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from matcher.store.counters import CounterStoreDown

__all__ = ["OUTAGE_TYPES", "RETRY_AFTER_S", "unreachable"]

RETRY_AFTER_S: Final = 5  # long enough for a node restart's first seconds, short for a blip
# Elasticsearch's own "not now": too many requests, and a gateway or node that cannot serve.
_BUSY: Final = frozenset({429, 502, 503, 504})


# The exception types among which ``unreachable`` finds outages (for handlers keyed by type).
OUTAGE_TYPES: Final[tuple[type[Exception], ...]] = (
    TransportConnectionError,
    ConnectionTimeout,
    ApiError,
    RedisConnectionError,
    RedisTimeoutError,
    CounterStoreDown,
)


def unreachable(exc: BaseException) -> str | None:
    """The backing service the failure says is out ("Elasticsearch", "Redis"), or None."""
    if isinstance(exc, TransportConnectionError | ConnectionTimeout):
        return "Elasticsearch"
    if isinstance(exc, ApiError) and exc.meta.status in _BUSY:
        return "Elasticsearch"
    if isinstance(exc, RedisConnectionError | RedisTimeoutError | CounterStoreDown):
        return "Redis"
    return None
