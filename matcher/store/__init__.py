"""The store layer: the only code that talks to Elasticsearch and Redis.

One repository per index (``Store.profiles``, ``Store.postings`` …), each with its refresh and
conditional-write policy and the named queries its callers need; the query builders shared
by several live in ``queries.py`` (with their Python twins) and ``rule_filters.py`` (the hard
rules). Use cases receive a ``Store`` in ``Services`` and never see a client; unit tests
replace repositories with in-memory fakes (``tests/unit/fakes.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from elasticsearch import AsyncElasticsearch
from elasticsearch.serializer import OrjsonSerializer
from redis.asyncio import ConnectionPool, Redis

from indexes import Indexes, IndexSpec, IndexStatus, MigrationReport
from indexes import ensure_indexes as create_missing
from indexes import index_status as status_of
from indexes import migrate as migrate_index
from indexes.maintenance import MERGE_TIMEOUT_S, MERGED, MergeResult, merge_segments
from indexes.manage import Transform, apply_replicas, drop_indexes
from matcher.foundation.settings import Settings
from matcher.store.alerts import AlertRepository
from matcher.store.audit import AuditRepository
from matcher.store.bulletin_counts import BulletinCounts
from matcher.store.bulletins import BulletinRepository
from matcher.store.changes import ChangeLog
from matcher.store.consents import ConsentRepository
from matcher.store.counters import Counters
from matcher.store.health import readiness
from matcher.store.imports import ImportStateRepository
from matcher.store.incentives import PolicyRepository
from matcher.store.occupations import OccupationRepository
from matcher.store.projects import ProjectRepository
from matcher.store.records import PostingRepository, ProfileRepository
from matcher.store.referrals import ReferralRepository
from matcher.store.saved_searches import SavedSearchRepository
from matcher.store.tallies import Tallies
from matcher.store.tokens import TokenRepository


def create_es(settings: Settings) -> AsyncElasticsearch:
    # Several nodes (comma-separated URLs): a request to a node that is down is retried on
    # another, so a cluster that lost a node keeps answering.
    return AsyncElasticsearch(
        [url.strip() for url in settings.es_url.split(",") if url.strip()],
        request_timeout=settings.es_timeout_s,
        max_retries=2,
        retry_on_timeout=True,
        # orjson reads and writes the bodies: a page of hits with their sources parses several
        # times faster than with the standard library (the stage table of benchmarks/load.py).
        serializer=OrjsonSerializer(),
    )


def create_redis(settings: Settings) -> Redis:
    # A lazy pool: the service comes up while Redis is down and /readyz says so, instead of
    # failing to start.
    pool = ConnectionPool.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=5)
    return Redis(connection_pool=pool)


@dataclass
class Store:
    es: AsyncElasticsearch
    redis: Redis
    indexes: Indexes
    profiles: ProfileRepository = field(init=False)
    postings: PostingRepository = field(init=False)
    posting_changes: ChangeLog = field(init=False)
    referrals: ReferralRepository = field(init=False)
    consents: ConsentRepository = field(init=False)
    audit: AuditRepository = field(init=False)
    incentives: PolicyRepository = field(init=False)
    bulletins: BulletinRepository = field(init=False)
    tokens: TokenRepository = field(init=False)
    occupations: OccupationRepository = field(init=False)
    imports: ImportStateRepository = field(init=False)
    counters: Counters = field(init=False)
    tallies: Tallies = field(init=False)
    counts: BulletinCounts = field(init=False)
    alerts: AlertRepository = field(init=False)
    saved_searches: SavedSearchRepository = field(init=False)
    projects: ProjectRepository = field(init=False)
    profile_changes: ChangeLog = field(init=False)

    def __post_init__(self) -> None:
        es, ix = self.es, self.indexes
        self.profile_changes = ChangeLog(self.redis, ix.profiles.prefix, "profiles")
        self.profiles = ProfileRepository(es, ix.profiles, self.profile_changes)
        self.posting_changes = ChangeLog(self.redis, ix.postings.prefix, "postings")
        self.postings = PostingRepository(es, ix.postings, self.posting_changes)
        self.referrals = ReferralRepository(es, ix.referrals)
        self.consents = ConsentRepository(es, ix.contact_requests)
        self.audit = AuditRepository(es, ix.audit)
        self.incentives = PolicyRepository(es, ix.incentives, self.redis)
        self.bulletins = BulletinRepository(es, ix.bulletins)
        self.tokens = TokenRepository(es, ix.tokens)
        self.occupations = OccupationRepository(es, ix.occupations)
        self.imports = ImportStateRepository(self.redis)
        self.counters = Counters(self.redis, ix.profiles.prefix)
        self.tallies = Tallies(self.redis, ix.profiles.prefix)
        self.counts = BulletinCounts(self.postings, self.profiles, self.referrals)
        self.alerts = AlertRepository(es, ix.alerts)
        self.saved_searches = SavedSearchRepository(es, ix.saved_searches)
        self.projects = ProjectRepository(es, ix.key_projects)

    @classmethod
    def connect(cls, settings: Settings, indexes: Indexes) -> Store:
        """Clients for ``settings`` (they connect lazily, on first use)."""
        return cls(create_es(settings), create_redis(settings), indexes)

    async def close(self) -> None:
        await self.es.close()
        await self.redis.aclose()
        # A pool handed to the client is not closed by it.
        await self.redis.connection_pool.disconnect()

    # Index administration (the command line, the worker's maintenance jobs, the tests)

    async def ensure_indexes(self, specs: list[IndexSpec] | None = None) -> list[str]:
        """Create every index (or those given) that has no alias yet; the names created."""
        return await create_missing(self.es, specs or self.indexes.all())

    async def apply_replicas(self) -> list[str]:
        """Every index's replicas as its layout says (indexes.manage.apply_replicas)."""
        return await apply_replicas(self.es, self.indexes.all())

    async def index_status(self, spec: IndexSpec) -> IndexStatus:
        return await status_of(self.es, spec)

    async def migrate(
        self,
        spec: IndexSpec,
        *,
        transform: Transform | None = None,
        batch_size: int = 500,
        delete_source: bool = False,
    ) -> MigrationReport:
        return await migrate_index(
            self.es, spec, transform=transform, batch_size=batch_size, delete_source=delete_source
        )

    async def merge_segments(
        self, *, max_bytes: int, wait_s: float = MERGE_TIMEOUT_S
    ) -> list[MergeResult]:
        """The profiles and postings indexes merged to one segment each (indexes.maintenance)."""
        return await merge_segments(
            self.es,
            [getattr(self.indexes, name) for name in MERGED],
            max_bytes=max_bytes,
            wait_s=wait_s,
        )

    async def queue_depth(self, queue_name: str) -> int:
        """Jobs waiting in the arq queue (a sorted set in Redis)."""
        return int(await self.redis.zcard(queue_name))

    async def readiness(self) -> dict[str, str]:
        """Each dependency → "ok" or what is wrong with it."""
        return await readiness(es=self.es, redis=self.redis, specs=self.indexes.all())

    async def drop_all(self) -> list[str]:
        """Delete every index of this deployment's prefix (tests, scratch benchmarks)."""
        return await drop_indexes(self.es, self.indexes.profiles.prefix)
