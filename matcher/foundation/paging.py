"""One page of a list: how many items from which position.

Routes validate paging with their query model (``matcher.api.query.Paging``, bounds per
route); use cases take the validated ``Page``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    limit: int = 50
    offset: int = 0
