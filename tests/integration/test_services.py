"""Process start-up."""

import gc

from matcher.services import Services, freeze_startup_heap


def test_startup_objects_are_frozen_once(services: Services) -> None:
    """What start-up loaded is out of the cyclic collector's walk (a full collection over it was
    the p99 of matching), and later builds do not freeze again: cycles among frozen objects are
    never collected, so freezing per build would leak."""
    assert gc.get_freeze_count() > 0
    later: list[object] = [[]]  # made after start-up: must stay with the collector
    freeze_startup_heap()
    assert any(o is later for o in gc.get_objects())
