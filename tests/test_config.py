"""Settings: flat variable names into slices, `.env` and secret files, defaults declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from aisher.cli import load_settings
from aisher.config import (
    AlertSettings,
    BudgetSettings,
    CacheSettings,
    ClickHouseSettings,
    HttpSettings,
    LlmSettings,
    PromptSettings,
    QueryLimits,
    Settings,
    SlackSettings,
    embedded_dsn,
    variable_for,
)
from aisher.errors import ConfigError
from aisher.signoz.executor import DEFAULT_MAX_ROWS, query_retry_policy

# Every variable Aisher reads (but AISHER_SECRETS_DIR, tested on its own): a value to set it to,
# where it lands, and what it reads as there.
VARIABLES: list[tuple[str, str, str, Any]] = [
    ("AISHER_CLICKHOUSE_DSN", "https://u:pw@ch:8443/", "clickhouse.dsn", "https://u:pw@ch:8443/"),
    ("AISHER_CLICKHOUSE_VERIFY", "false", "clickhouse.verify_tls", False),
    ("AISHER_CLICKHOUSE_CA_CERT", "/etc/ca.pem", "clickhouse.ca_cert", "/etc/ca.pem"),
    ("AISHER_CLICKHOUSE_QUERY_TIMEOUT_S", "12.5", "clickhouse.query_timeout_s", 12.5),
    ("AISHER_CLICKHOUSE_CONNECT_TIMEOUT_S", "2", "clickhouse.connect_timeout_s", 2.0),
    ("AISHER_CLICKHOUSE_MAX_CONNECTIONS", "3", "clickhouse.max_connections", 3),
    ("AISHER_CLICKHOUSE_RETRIES", "0", "clickhouse.retries", 0),
    ("AISHER_TRACES_DATABASE", "t", "clickhouse.traces_database", "t"),
    ("AISHER_LOGS_DATABASE", "l", "clickhouse.logs_database", "l"),
    ("AISHER_MAX_ROWS", "1000", "limits.max_rows", 1000),
    ("AISHER_MAX_TRACES", "7", "limits.max_traces", 7),
    ("AISHER_MAX_LOGS", "0", "limits.max_logs", 0),
    ("AISHER_RETENTION_DAYS", "30", "limits.retention_days", 30),
    ("AISHER_REDIS_URL", "redis://r:6379/0", "cache.redis_url", "redis://r:6379/0"),
    ("AISHER_CACHE_TTL_S", "60", "cache.ttl_s", 60),
    ("AISHER_CACHE_LOCAL_ENTRIES", "9", "cache.local_entries", 9),
    ("AISHER_LLM_MODEL", "openai/gpt-4o", "llm.model", "openai/gpt-4o"),
    ("AISHER_LLM_MODEL_SIMPLE", "openai/gpt-4o-mini", "llm.simple_model", "openai/gpt-4o-mini"),
    ("AISHER_LLM_API_BASE", "http://llm:4000/v1", "llm.api_base", "http://llm:4000/v1"),
    ("AISHER_LLM_API_KEY", "sk-test", "llm.api_key", "sk-test"),
    ("AISHER_LLM_TIMEOUT_S", "9", "llm.timeout_s", 9.0),
    ("AISHER_LLM_MAX_RETRIES", "1", "llm.max_retries", 1),
    ("AISHER_LLM_CONCURRENCY", "2", "llm.concurrency", 2),
    ("AISHER_LLM_MAX_OUTPUT_TOKENS", "500", "llm.max_output_tokens", 500),
    ("AISHER_CONTEXT_TOKEN_BUDGET", "4000", "llm.context_token_budget", 4000),
    ("AISHER_PROMPTS_DIR", "/prompts", "prompts.directory", Path("/prompts")),
    ("AISHER_PROMPT_TEMPLATE", "terse", "prompts.default_template", "terse"),
    (
        "AISHER_PROMPT_TEMPLATES",
        "C1=terse, acme=rca",
        "prompts.overrides",
        {"C1": "terse", "acme": "rca"},
    ),
    ("AISHER_DAILY_BUDGET_USD", "2.5", "budget.daily_usd", 2.5),
    ("AISHER_TENANT_BUDGETS_USD", '{"acme": 5}', "budget.per_tenant_usd", {"acme": 5.0}),
    ("AISHER_DEFAULT_TENANT", "acme", "default_tenant", "acme"),
    ("AISHER_DATA_DIR", "/var/lib/aisher", "data_dir", Path("/var/lib/aisher")),
    ("AISHER_SIGNOZ_URL", "https://signoz.example", "signoz_url", "https://signoz.example"),
    ("SLACK_BOT_TOKEN", "xoxb-1", "slack.bot_token", "xoxb-1"),
    ("SLACK_APP_TOKEN", "xapp-1", "slack.app_token", "xapp-1"),
    ("AISHER_SLACK_API_URL", "http://127.0.0.1:9/api/", "slack.api_url", "http://127.0.0.1:9/api/"),
    ("AISHER_RERUN_REACTION", "arrows", "slack.rerun_reaction", "arrows"),
    ("AISHER_HTTP_HOST", "127.0.0.1", "http.host", "127.0.0.1"),
    ("AISHER_HTTP_PORT", "9090", "http.port", 9090),
    ("AISHER_WEBHOOK_TOKEN", "hook-secret", "http.webhook_token", "hook-secret"),
    ("AISHER_API_KEYS", "k1, k2", "http.api_keys", ("k1", "k2")),
    ("AISHER_HTTP_MAX_BODY_BYTES", "2048", "http.max_body_bytes", 2048),
    ("AISHER_API_RATE_PER_MINUTE", "90", "http.api_rate_per_minute", 90),
    ("AISHER_PUBLIC_URL", "https://aisher.example", "http.public_url", "https://aisher.example"),
    ("AISHER_ALERT_CHANNEL", "C0ALERTS", "alerts.channel", "C0ALERTS"),
    ("AISHER_ALERTMANAGER_BOT_IDS", "B1,B2", "alerts.alertmanager_bot_ids", ("B1", "B2")),
    ("AISHER_ALERT_SERVICE_LABELS", "svc,job", "alerts.service_labels", ("svc", "job")),
    ("AISHER_ALERT_WINDOW_MARGIN_M", "10", "alerts.window_margin_m", 10),
    ("AISHER_ALERT_DEFAULT_WINDOW", "2h", "alerts.default_window", "2h"),
    ("AISHER_ALERT_WORKERS", "8", "alerts.workers", 8),
    ("AISHER_LOG_FORMAT", "JSON", "ops.log_format", "json"),
    ("AISHER_LOG_LEVEL", "debug", "ops.log_level", "DEBUG"),
    (
        "AISHER_AUDIT_LOG",
        "/var/log/aisher/audit.jsonl",
        "ops.audit_log",
        "/var/log/aisher/audit.jsonl",
    ),
    ("AISHER_SHUTDOWN_GRACE_S", "7.5", "ops.shutdown_grace_s", 7.5),
]
# Variables whose values must never be shown, and the part of each value that would leak.
SECRETS = {
    "SLACK_BOT_TOKEN": ("xoxb-bot-token-1", "bot-token-1"),
    "SLACK_APP_TOKEN": ("xapp-app-token-2", "app-token-2"),
    "AISHER_LLM_API_KEY": ("sk-llm-key-3", "llm-key-3"),
    "AISHER_WEBHOOK_TOKEN": ("webhook-token-4", "webhook-token-4"),
    "AISHER_API_KEYS": ("api-key-5,api-key-6", "api-key-"),
    "AISHER_CLICKHOUSE_DSN": ("https://reader:dsn-password-7@ch:8443/", "dsn-password-7"),
    "AISHER_REDIS_URL": ("redis://:redis-password-8@redis:6379/0", "redis-password-8"),
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Aisher or Slack variable from outside, and a working directory without a `.env`."""
    for name, _, _, _ in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AISHER_SECRETS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def read(settings: Settings, path: str) -> Any:
    value: Any = settings
    for name in path.split("."):
        value = getattr(value, name)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, tuple):
        return tuple(v.get_secret_value() if isinstance(v, SecretStr) else v for v in value)
    return value


def declared_variables(model: type[BaseModel] = Settings) -> set[str]:
    names: set[str] = set()
    for field in model.model_fields.values():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= declared_variables(annotation)
        elif isinstance(field.validation_alias, str):
            names.add(field.validation_alias)
    return names


class TestVariables:
    @pytest.mark.parametrize(("name", "value", "path", "expected"), VARIABLES)
    def test_each_variable_lands_in_its_slice(
        self, monkeypatch: pytest.MonkeyPatch, name: str, value: str, path: str, expected: Any
    ) -> None:
        """Setting the variable alone changes exactly the attribute it names."""
        monkeypatch.setenv(name, value)
        assert read(Settings(), path) == expected

    def test_the_table_covers_every_declared_variable(self) -> None:
        """Every variable a field declares is in the table above, and nothing else is."""
        tested = {name for name, _, _, _ in VARIABLES} | {"AISHER_SECRETS_DIR"}
        assert declared_variables() == tested

    def test_one_redis_url_serves_cache_and_budget(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """AISHER_REDIS_URL reaches both the answer cache and the budget ledger."""
        monkeypatch.setenv("AISHER_REDIS_URL", "redis://shared:6379/0")
        settings = Settings()
        assert settings.cache.redis_url == settings.budget.redis_url == "redis://shared:6379/0"

    def test_names_are_case_insensitive(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A lower-case variable name is read like the upper-case one."""
        monkeypatch.setenv("aisher_max_traces", "9")
        assert Settings().limits.max_traces == 9

    def test_empty_values_count_as_unset(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """`AISHER_LLM_MODEL=` leaves the default, as if the variable were absent."""
        monkeypatch.setenv("AISHER_LLM_MODEL", "")
        monkeypatch.setenv("AISHER_MAX_ROWS", "")
        settings = Settings()
        assert settings.llm.model is None
        assert settings.limits.max_rows == QueryLimits().max_rows

    def test_unprefixed_field_names_are_not_read(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Only the declared names count: `PORT` or `LIMITS` in the environment change nothing."""
        monkeypatch.setenv("PORT", "1")
        monkeypatch.setenv("LIMITS", '{"max_rows": 1}')
        monkeypatch.setenv("MAX_ROWS", "1")
        settings = Settings()
        assert settings.http.port == HttpSettings().port
        assert settings.limits == QueryLimits()


class TestSources:
    def test_dotenv_file_is_read(self, clean_environment: Path) -> None:
        """A `.env` in the working directory sets variables like the environment does."""
        (clean_environment / ".env").write_text("AISHER_MAX_LOGS=3\nSLACK_BOT_TOKEN=xoxb-env\n")
        settings = Settings()
        assert settings.limits.max_logs == 3
        assert read(settings, "slack.bot_token") == "xoxb-env"

    def test_environment_beats_dotenv(
        self, monkeypatch: pytest.MonkeyPatch, clean_environment: Path
    ) -> None:
        """A variable set in the environment wins over the same one in `.env`."""
        (clean_environment / ".env").write_text("AISHER_MAX_LOGS=3\n")
        monkeypatch.setenv("AISHER_MAX_LOGS", "4")
        assert Settings().limits.max_logs == 4

    def test_secret_files_are_read(
        self, monkeypatch: pytest.MonkeyPatch, clean_environment: Path
    ) -> None:
        """Each file in AISHER_SECRETS_DIR sets the variable it is named after, trimmed."""
        secrets = clean_environment / "secrets"
        secrets.mkdir()
        (secrets / "AISHER_LLM_API_KEY").write_text("sk-from-file\n")
        (secrets / "slack_app_token").write_text("xapp-from-file")
        monkeypatch.setenv("AISHER_SECRETS_DIR", str(secrets))
        settings = Settings()
        assert read(settings, "llm.api_key") == "sk-from-file"
        assert read(settings, "slack.app_token") == "xapp-from-file"
        assert settings.secrets_dir == secrets

    def test_secrets_dir_from_dotenv_or_keyword(self, clean_environment: Path) -> None:
        """The secrets directory may be named in `.env` or given to `Settings` directly."""
        secrets = clean_environment / "secrets"
        secrets.mkdir()
        (secrets / "AISHER_WEBHOOK_TOKEN").write_text("hook")
        assert read(Settings(secrets_dir=secrets), "http.webhook_token") == "hook"
        (clean_environment / ".env").write_text(f"AISHER_SECRETS_DIR={secrets}\n")
        assert read(Settings(), "http.webhook_token") == "hook"

    def test_environment_beats_secret_files(
        self, monkeypatch: pytest.MonkeyPatch, clean_environment: Path
    ) -> None:
        """A variable in the environment wins over a secret file of the same name."""
        secrets = clean_environment / "secrets"
        secrets.mkdir()
        (secrets / "AISHER_LLM_API_KEY").write_text("sk-from-file")
        monkeypatch.setenv("AISHER_SECRETS_DIR", str(secrets))
        monkeypatch.setenv("AISHER_LLM_API_KEY", "sk-from-env")
        assert read(Settings(), "llm.api_key") == "sk-from-env"

    def test_kubernetes_mount_layout(
        self, monkeypatch: pytest.MonkeyPatch, clean_environment: Path
    ) -> None:
        """Hidden `..data` folders are skipped and the visible links to their files are read."""
        secrets = clean_environment / "secrets"
        (secrets / "..data").mkdir(parents=True)
        (secrets / "..data" / "SLACK_BOT_TOKEN").write_text("xoxb-mounted")
        (secrets / "SLACK_BOT_TOKEN").symlink_to(secrets / "..data" / "SLACK_BOT_TOKEN")
        monkeypatch.setenv("AISHER_SECRETS_DIR", str(secrets))
        assert read(Settings(), "slack.bot_token") == "xoxb-mounted"

    def test_missing_secrets_dir_is_a_config_error(
        self, monkeypatch: pytest.MonkeyPatch, clean_environment: Path
    ) -> None:
        """A secrets directory that does not exist is named in a ConfigError."""
        monkeypatch.setenv("AISHER_SECRETS_DIR", str(clean_environment / "nowhere"))
        with pytest.raises(ConfigError, match="AISHER_SECRETS_DIR"):
            Settings()

    def test_keywords_beat_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Keywords given to `Settings` win over the environment, for slices and plain fields."""
        monkeypatch.setenv("AISHER_MAX_ROWS", "1000")
        monkeypatch.setenv("AISHER_DEFAULT_TENANT", "from-env")
        settings = Settings(limits=QueryLimits(max_rows=5), default_tenant="from-code")
        assert settings.limits.max_rows == 5
        assert settings.default_tenant == "from-code"


class TestDefaults:
    def test_without_variables_every_slice_has_its_own_defaults(self) -> None:
        """`Settings()` in an empty environment holds each slice exactly as built bare."""
        settings = Settings()
        assert settings.limits == QueryLimits()
        assert settings.llm == LlmSettings()
        assert settings.prompts == PromptSettings()
        assert settings.cache == CacheSettings()
        assert settings.budget == BudgetSettings()
        assert settings.slack == SlackSettings()
        assert settings.http == HttpSettings()
        assert settings.alerts == AlertSettings()

    def test_documented_defaults(self) -> None:
        """The defaults the README and the Slack bot rely on."""
        settings = Settings()
        assert settings.limits.max_rows == 20_000
        assert settings.clickhouse.retries == 3
        assert settings.slack.api_url == "https://slack.com/api/"
        assert settings.slack.rerun_reaction == "repeat"
        assert (settings.http.host, settings.http.port) == ("0.0.0.0", 8080)  # noqa: S104
        assert settings.http.max_body_bytes == 1024 * 1024
        assert settings.alerts.service_labels == (
            "service",
            "service_name",
            "service.name",
            "job",
            "app",
        )
        assert (settings.alerts.window_margin_m, settings.alerts.default_window) == (5, "30m")

    def test_executor_row_cap_is_the_setting_default(self) -> None:
        """A query without `max_rows` is capped at the default of AISHER_MAX_ROWS."""
        assert QueryLimits().max_rows == DEFAULT_MAX_ROWS

    def test_executor_retries_as_configured(self) -> None:
        """The executors' retry policy takes its count from AISHER_CLICKHOUSE_RETRIES."""
        settings = Settings()
        assert query_retry_policy(settings.clickhouse.retries).retries == 3

    def test_embedded_store_under_the_data_dir(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """Without a DSN, ClickHouse is the embedded store in `store/` under AISHER_DATA_DIR."""
        monkeypatch.setenv("AISHER_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("AISHER_CLICKHOUSE_RETRIES", "1")
        clickhouse = Settings().clickhouse
        assert clickhouse.dsn == embedded_dsn(tmp_path / "data" / "store")
        assert clickhouse.embedded
        assert clickhouse.retries == 1

    def test_home_is_expanded_in_the_data_dir(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """`~` in AISHER_DATA_DIR means the user's home directory."""
        monkeypatch.setenv("AISHER_DATA_DIR", "~/aisher-data")
        assert Settings().data_dir == Path.home() / "aisher-data"


class TestSecrets:
    def test_secrets_stay_out_of_repr(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """No token, key or password appears in repr() or str() of the settings."""
        for name, (value, _) in SECRETS.items():
            monkeypatch.setenv(name, value)
        settings = Settings()
        shown = repr(settings) + str(settings)
        for _, leak in SECRETS.values():
            assert leak not in shown
        assert read(settings, "http.api_keys") == ("api-key-5", "api-key-6")

    def test_secrets_are_secret_strings(self) -> None:
        """Tokens and keys are `SecretStr`, so logging a slice cannot leak them."""
        slack = SlackSettings(bot_token=SecretStr("xoxb-1"))
        assert "xoxb-1" not in repr(slack)


class TestValidation:
    def test_invalid_value_names_its_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A bad value fails validation at a location that maps back to its variable."""
        monkeypatch.setenv("AISHER_MAX_TRACES", "many")
        with pytest.raises(ValidationError) as caught:
            Settings()
        [error] = caught.value.errors()
        assert error["loc"] == ("limits", "max_traces")
        assert variable_for(error["loc"]) == "AISHER_MAX_TRACES"

    def test_cli_reports_one_line_with_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The CLI turns validation errors into one ConfigError line naming each variable."""
        monkeypatch.setenv("AISHER_HTTP_PORT", "70000")
        monkeypatch.setenv("AISHER_LLM_API_KEY", "sk-must-not-show")
        monkeypatch.setenv("AISHER_LLM_TIMEOUT_S", "0")
        with pytest.raises(ConfigError) as caught:
            load_settings()
        message = str(caught.value)
        assert "\n" not in message
        assert "AISHER_HTTP_PORT (http.port)" in message
        assert "AISHER_LLM_TIMEOUT_S (llm.timeout_s)" in message
        assert "sk-must-not-show" not in message

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("AISHER_TENANT_BUDGETS_USD", "{not json"),
            ("AISHER_TENANT_BUDGETS_USD", "acme=lots"),
            ("AISHER_ALERT_DEFAULT_WINDOW", "half an hour"),
            ("AISHER_CLICKHOUSE_VERIFY", "perhaps"),
            ("AISHER_MAX_ROWS", "0"),
            ("AISHER_ALERT_WORKERS", "0"),
        ],
    )
    def test_malformed_values_are_validation_errors(
        self, monkeypatch: pytest.MonkeyPatch, name: str, value: str
    ) -> None:
        """Malformed maps, windows, booleans and out-of-range numbers fail as validation errors."""
        monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError) as caught:
            Settings()
        assert variable_for(caught.value.errors()[0]["loc"]) == name

    def test_slices_refuse_unknown_keywords(self) -> None:
        """A misspelt keyword is an error, not a silently ignored setting."""
        with pytest.raises(ValidationError, match="max_row"):
            QueryLimits(max_row=5)  # type: ignore[call-arg]


class TestSlices:
    def test_keyword_slices_read_no_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A slice built in code ignores the environment; only `Settings()` reads it."""
        monkeypatch.setenv("AISHER_LLM_MODEL_SIMPLE", "openai/gpt-4o-mini")
        monkeypatch.setenv("AISHER_CACHE_TTL_S", "5")
        assert LlmSettings(model="openai/gpt-4o").simple_model is None
        assert CacheSettings(redis_url=None).ttl_s == 86_400

    def test_slices_are_immutable(self) -> None:
        """Components cannot change the settings they were given."""
        limits = QueryLimits()
        with pytest.raises(ValidationError):
            limits.max_rows = 5

    def test_model_for_routes_simple_windows(self) -> None:
        """Simple windows go to the cheaper model when one is configured."""
        llm = LlmSettings(model="big", simple_model="small")
        assert (llm.model_for(simple=True), llm.model_for(simple=False)) == ("small", "big")
        assert LlmSettings(model="big").model_for(simple=True) == "big"

    def test_limit_for_tenants(self) -> None:
        """Named tenants get their own limit, the others the daily default."""
        budget = BudgetSettings(daily_usd=1.0, per_tenant_usd={"acme": 5.0})
        assert (budget.limit_for("acme"), budget.limit_for("beta")) == (5.0, 1.0)

    def test_with_clickhouse_dsn_changes_only_the_dsn(self) -> None:
        """The derived copy reads another store and keeps every other setting."""
        settings = Settings(limits=QueryLimits(max_traces=3))
        demo = settings.with_clickhouse_dsn("chdb:///tmp/demo")
        assert demo.clickhouse.dsn == "chdb:///tmp/demo"
        assert demo.clickhouse.retries == settings.clickhouse.retries
        assert demo.limits.max_traces == 3
        assert settings.clickhouse.dsn != demo.clickhouse.dsn

    def test_http_dsn_is_not_embedded(self) -> None:
        """Only `chdb:` DSNs are the embedded store."""
        assert not ClickHouseSettings(dsn="http://127.0.0.1:8123/").embedded
        assert ClickHouseSettings(dsn="chdb:///data").embedded
