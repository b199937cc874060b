"""Writing records for tests the way the service does, in bulk and searchable at once."""

from typing import Any

from matcher.imports.service import KINDS
from matcher.incentives.service import current_policies
from matcher.records.prepare import WriteContext, prepare
from matcher.services import Services


async def index_records(svc: Services, kind: str, records: list[dict[str, Any]]) -> None:
    """Prepare (normalize, derive, embed) and store records given as bodies with an ``id``."""
    spec = KINDS[kind]
    items = [
        (r["id"], spec.model.model_validate({k: v for k, v in r.items() if k != "id"}), None)
        for r in records
    ]
    docs = await prepare(svc, spec, items, context=WriteContext(await current_policies(svc)))
    written = await spec.repository(svc.store).write_many(
        [(d["id"], d) for d in docs], refresh="wait_for"
    )
    assert written == {}
