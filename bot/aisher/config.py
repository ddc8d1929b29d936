"""Settings, read once at start-up from the environment, `.env` and a secrets directory.

`Settings` is the root: one slice per component (`settings.clickhouse`, `settings.limits`,
`settings.llm`, …), and entry points hand each component only the slice it needs; nothing
imports a global settings object.

Each field is declared once, in its slice: its default, its bounds, and, as its
`validation_alias`, the environment variable that sets it. The variable names are flat and
part of the stable interface (`AISHER_MAX_ROWS` sets `settings.limits.max_rows`, `SLACK_BOT_TOKEN`
sets `settings.slack.bot_token`). A slice built by keyword in code or tests
(`QueryLimits(max_rows=100)`) reads no environment at all; only `Settings()` does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from aisher.errors import ConfigError, WindowError
from aisher.window import parse_duration

DEFAULT_DATA_DIR = Path("~/.local/share/aisher")
SECRETS_DIR_VARIABLE = "AISHER_SECRETS_DIR"
MIB = 1024 * 1024


def split_commas(value: Any) -> Any:
    """`a, b,c` as `("a", "b", "c")`; anything but a string passes through to validation."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def parse_pairs(value: Any) -> Any:
    """`{"a": "b"}` JSON or `a=b,c=d` as a dict; anything but a string passes through."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return {}
    if text.startswith("{"):
        return json.loads(text)
    pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
    return {key.strip(): val.strip() for key, val in pairs}


CommaSeparated = Annotated[tuple[str, ...], BeforeValidator(split_commas)]
CommaSeparatedSecrets = Annotated[tuple[SecretStr, ...], BeforeValidator(split_commas)]
# The answer cache and the budget ledger share one Redis, set by one variable. Hidden from repr
# because the URL may carry a password.
RedisUrl = Annotated[str | None, Field(validation_alias="AISHER_REDIS_URL", repr=False)]


def embedded_dsn(path: Path) -> str:
    """The DSN of an embedded chDB store kept in `path`."""
    return f"chdb://{path}"


class Slice(BaseModel):
    """A group of settings one component reads; immutable, built by field name in code."""

    # Values arrive by field name from code and by variable name from `Settings`; errors name
    # the field either way (the CLI adds the variable, see `variable_for`).
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        loc_by_alias=False,
    )


class ClickHouseSettings(Slice):
    """How to reach the SigNoz ClickHouse, or where the embedded store lives."""

    # Empty: `Settings` points it at the embedded store under the data directory. Hidden from
    # repr because a DSN may carry a password.
    dsn: str = Field(default="", validation_alias="AISHER_CLICKHOUSE_DSN", repr=False)
    verify_tls: bool = Field(default=True, validation_alias="AISHER_CLICKHOUSE_VERIFY")
    ca_cert: str | None = Field(default=None, validation_alias="AISHER_CLICKHOUSE_CA_CERT")
    query_timeout_s: float = Field(
        default=30.0, gt=0, validation_alias="AISHER_CLICKHOUSE_QUERY_TIMEOUT_S"
    )
    connect_timeout_s: float = Field(
        default=5.0, gt=0, validation_alias="AISHER_CLICKHOUSE_CONNECT_TIMEOUT_S"
    )
    max_connections: int = Field(
        default=8, ge=1, validation_alias="AISHER_CLICKHOUSE_MAX_CONNECTIONS"
    )
    retries: int = Field(default=3, ge=0, validation_alias="AISHER_CLICKHOUSE_RETRIES")
    traces_database: str = Field(default="signoz_traces", validation_alias="AISHER_TRACES_DATABASE")
    logs_database: str = Field(default="signoz_logs", validation_alias="AISHER_LOGS_DATABASE")

    @property
    def embedded(self) -> bool:
        return self.dsn.startswith("chdb:")


class QueryLimits(Slice):
    """Bounds that keep one analysis cheap however large the window is."""

    max_rows: int = Field(default=20_000, ge=1, validation_alias="AISHER_MAX_ROWS")
    max_traces: int = Field(default=500, ge=1, validation_alias="AISHER_MAX_TRACES")
    max_logs: int = Field(default=50, ge=0, validation_alias="AISHER_MAX_LOGS")
    # SigNoz's own default retention: a longer window would only find deleted data.
    retention_days: int = Field(default=15, ge=1, validation_alias="AISHER_RETENTION_DAYS")


class LlmSettings(Slice):
    """Which models to call and how patiently; no model means the heuristic answers alone."""

    model: str | None = Field(default=None, validation_alias="AISHER_LLM_MODEL")
    simple_model: str | None = Field(default=None, validation_alias="AISHER_LLM_MODEL_SIMPLE")
    api_base: str | None = Field(default=None, validation_alias="AISHER_LLM_API_BASE")
    api_key: SecretStr | None = Field(default=None, validation_alias="AISHER_LLM_API_KEY")
    timeout_s: float = Field(default=60.0, gt=0, validation_alias="AISHER_LLM_TIMEOUT_S")
    max_retries: int = Field(default=3, ge=0, validation_alias="AISHER_LLM_MAX_RETRIES")
    concurrency: int = Field(default=4, ge=1, validation_alias="AISHER_LLM_CONCURRENCY")
    max_output_tokens: int = Field(
        default=1200, ge=64, validation_alias="AISHER_LLM_MAX_OUTPUT_TOKENS"
    )
    context_token_budget: int = Field(
        default=6000, ge=500, validation_alias="AISHER_CONTEXT_TOKEN_BUDGET"
    )

    def model_for(self, *, simple: bool) -> str | None:
        """The cheaper model for simple windows when one is configured, else the main one."""
        if simple and self.simple_model:
            return self.simple_model
        return self.model


class PromptSettings(Slice):
    """Which prompt template answers for whom."""

    directory: Path | None = Field(default=None, validation_alias="AISHER_PROMPTS_DIR")
    default_template: str = Field(default="rca", validation_alias="AISHER_PROMPT_TEMPLATE")
    # Template per Slack channel id or tenant: `C123=terse,acme=rca`.
    overrides: Annotated[dict[str, str], BeforeValidator(parse_pairs)] = Field(
        default_factory=dict, validation_alias="AISHER_PROMPT_TEMPLATES"
    )


class CacheSettings(Slice):
    """Where answers are cached and for how long."""

    redis_url: RedisUrl = None
    ttl_s: int = Field(default=86_400, ge=1, validation_alias="AISHER_CACHE_TTL_S")
    local_entries: int = Field(default=512, ge=1, validation_alias="AISHER_CACHE_LOCAL_ENTRIES")


class BudgetSettings(Slice):
    """How many US dollars each tenant may spend on the LLM per UTC day."""

    redis_url: RedisUrl = None
    daily_usd: float = Field(default=10.0, ge=0, validation_alias="AISHER_DAILY_BUDGET_USD")
    # Limits of named tenants: `acme=5,beta=0.5`; the others get `daily_usd`.
    per_tenant_usd: Annotated[dict[str, float], BeforeValidator(parse_pairs)] = Field(
        default_factory=dict, validation_alias="AISHER_TENANT_BUDGETS_USD"
    )

    def limit_for(self, tenant: str) -> float:
        return self.per_tenant_usd.get(tenant, self.daily_usd)


class SlackSettings(Slice):
    """The Slack app: its tokens, the API it talks to, and the reaction that asks for a rerun."""

    bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    api_url: str = Field(default="https://slack.com/api/", validation_alias="AISHER_SLACK_API_URL")
    rerun_reaction: str = Field(default="repeat", validation_alias="AISHER_RERUN_REACTION")


class HttpSettings(Slice):
    """The HTTP server: alert webhooks, the REST API and `/metrics`."""

    # All interfaces by default: the server runs in a container behind the platform's network.
    host: str = Field(default="0.0.0.0", validation_alias="AISHER_HTTP_HOST")  # noqa: S104
    port: int = Field(default=8080, ge=0, le=65535, validation_alias="AISHER_HTTP_PORT")
    webhook_token: SecretStr | None = Field(default=None, validation_alias="AISHER_WEBHOOK_TOKEN")
    api_keys: CommaSeparatedSecrets = Field(default=(), validation_alias="AISHER_API_KEYS")
    max_body_bytes: int = Field(default=MIB, ge=1, validation_alias="AISHER_HTTP_MAX_BODY_BYTES")
    api_rate_per_minute: int = Field(
        default=30, ge=1, validation_alias="AISHER_API_RATE_PER_MINUTE"
    )
    # Where users reach this server, for links back to it; unset when nothing links to it.
    public_url: str | None = Field(default=None, validation_alias="AISHER_PUBLIC_URL")


class AlertSettings(Slice):
    """Which alerts to explain, and how to find the service and window in them."""

    channel: str | None = Field(default=None, validation_alias="AISHER_ALERT_CHANNEL")
    alertmanager_bot_ids: CommaSeparated = Field(
        default=(), validation_alias="AISHER_ALERTMANAGER_BOT_IDS"
    )
    service_labels: CommaSeparated = Field(
        default=("service", "service_name", "service.name", "job", "app"),
        validation_alias="AISHER_ALERT_SERVICE_LABELS",
    )
    window_margin_m: int = Field(default=5, ge=0, validation_alias="AISHER_ALERT_WINDOW_MARGIN_M")
    default_window: str = Field(default="30m", validation_alias="AISHER_ALERT_DEFAULT_WINDOW")
    # Alert notifications handled at once (an alert storm is many groups): each waits on its
    # queries and its LLM answer, not on the CPU. Those of one group still go one at a time.
    workers: int = Field(default=4, ge=1, le=64, validation_alias="AISHER_ALERT_WORKERS")

    @field_validator("default_window")
    @classmethod
    def _must_be_a_duration(cls, value: str) -> str:
        try:
            parse_duration(value)
        except WindowError as exc:
            raise ValueError(str(exc)) from None
        return value


class OpsSettings(Slice):
    """How `serve` logs, audits and stops."""

    # auto: text when stderr is a terminal, JSON lines otherwise (containers, log shippers).
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto", validation_alias="AISHER_LOG_FORMAT"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", validation_alias="AISHER_LOG_LEVEL"
    )
    # One JSON line per analysis and refused request: `-` is stdout, `off` turns it off.
    audit_log: str = Field(default="-", validation_alias="AISHER_AUDIT_LOG")
    # On SIGTERM, analyses already running get this long to post their answers.
    shutdown_grace_s: float = Field(default=20.0, gt=0, validation_alias="AISHER_SHUTDOWN_GRACE_S")

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return value.lower() if value.lower() in ("auto", "json", "text") else value.upper()


class Settings(BaseSettings):
    """Every setting Aisher reads, as slices; `Settings()` reads them all from the environment.

    Values come from the environment first, then `.env` in the working directory, then one file
    per variable in the secrets directory (`AISHER_SECRETS_DIR`, e.g. `/run/secrets`); empty
    values count as unset.
    """

    model_config = SettingsConfigDict(
        env_file=".env", extra="forbid", frozen=True, validate_by_name=True, loc_by_alias=False
    )

    data_dir: Path = Field(default=DEFAULT_DATA_DIR, validation_alias="AISHER_DATA_DIR")
    secrets_dir: Path | None = Field(default=None, validation_alias=SECRETS_DIR_VARIABLE)
    default_tenant: str = Field(default="default", validation_alias="AISHER_DEFAULT_TENANT")
    # SigNoz UI base URL, for trace links in every report (terminal, JSON and Slack alike).
    signoz_url: str | None = Field(default=None, validation_alias="AISHER_SIGNOZ_URL")

    clickhouse: ClickHouseSettings = Field(default=ClickHouseSettings(), validate_default=True)
    limits: QueryLimits = QueryLimits()
    llm: LlmSettings = LlmSettings()
    prompts: PromptSettings = PromptSettings()
    cache: CacheSettings = CacheSettings()
    budget: BudgetSettings = BudgetSettings()
    slack: SlackSettings = SlackSettings()
    http: HttpSettings = HttpSettings()
    alerts: AlertSettings = AlertSettings()
    ops: OpsSettings = OpsSettings()

    @field_validator("data_dir", "secrets_dir")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("clickhouse")
    @classmethod
    def _embedded_store_by_default(
        cls, clickhouse: ClickHouseSettings, info: ValidationInfo
    ) -> ClickHouseSettings:
        """Without a DSN, ClickHouse is the embedded store in `store/` under the data directory."""
        data_dir = info.data.get("data_dir")  # absent when it failed validation itself
        if clickhouse.dsn or data_dir is None:
            return clickhouse
        return clickhouse.model_copy(update={"dsn": embedded_dsn(data_dir / "store")})

    def with_clickhouse_dsn(self, dsn: str) -> Settings:
        """The same settings reading another ClickHouse (the demo's private store)."""
        return self.model_copy(
            update={"clickhouse": self.clickhouse.model_copy(update={"dsn": dsn})}
        )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # pydantic-settings would read a slice from one JSON variable (`LIMITS='{...}'`) or from
        # `LIMITS__MAX_ROWS`; Aisher's names are flat, so one source walks the slices instead.
        return init_settings, FlatVariables(settings_cls, dotenv_settings)


def variable_for(location: tuple[int | str, ...]) -> str | None:
    """The environment variable behind an error location such as `("limits", "max_rows")`."""
    model: type[BaseModel] = Settings
    for part in location:
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        if _is_slice(field):
            model = field.annotation  # type: ignore[assignment]  # checked by _is_slice
            continue
        return field.validation_alias if isinstance(field.validation_alias, str) else None
    return None


class FlatVariables(PydanticBaseSettingsSource):
    """Every field of `Settings`, slices included, from the variable its `validation_alias` names.

    Looks in the environment, then the `.env` file(s) `dotenv` read, then the secrets directory
    (`Settings(secrets_dir=...)`, else `AISHER_SECRETS_DIR`).
    """

    def __init__(
        self, settings_cls: type[BaseSettings], dotenv: PydanticBaseSettingsSource
    ) -> None:
        super().__init__(settings_cls)
        self._dotenv = dotenv

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """One top-level field's value as `__call__` reads it (a slice is a dict of its fields)."""
        value = self().get(field_name)
        return value, field_name, isinstance(value, dict)

    def __call__(self) -> dict[str, Any]:
        environment = _non_empty(os.environ)
        dotenv = _non_empty(
            self._dotenv.env_vars if isinstance(self._dotenv, EnvSettingsSource) else {}
        )
        secrets_dir = (
            self.current_state.get(SECRETS_DIR_VARIABLE)  # `Settings(secrets_dir=...)`
            or environment.get(SECRETS_DIR_VARIABLE.lower())
            or dotenv.get(SECRETS_DIR_VARIABLE.lower())
        )
        secrets = _read_secret_files(Path(secrets_dir).expanduser()) if secrets_dir else {}
        return _read_fields(self.settings_cls, {**secrets, **dotenv, **environment})


def _read_secret_files(directory: Path) -> dict[str, str]:
    """One variable per file, named like the file (Docker and Kubernetes secrets mount so)."""
    if not directory.is_dir():
        raise ConfigError(f"{SECRETS_DIR_VARIABLE} is not a directory: {directory}")
    return _non_empty(
        {
            path.name: path.read_text(encoding="utf-8").strip()
            # Kubernetes keeps the real files in hidden `..data` folders beside their links.
            for path in directory.iterdir()
            if path.is_file() and not path.name.startswith(".")
        }
    )


def _read_fields(model: type[BaseModel], variables: Mapping[str, str]) -> dict[str, Any]:
    # Keyed by variable name, as the keywords given to `Settings` are, so that those win.
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if _is_slice(field):
            nested = _read_fields(field.annotation, variables)  # type: ignore[arg-type]
            if nested:
                values[name] = nested
        elif isinstance(field.validation_alias, str):
            value = variables.get(field.validation_alias.lower())
            if value is not None:
                values[field.validation_alias] = value
    return values


def _is_slice(field: FieldInfo) -> bool:
    return isinstance(field.annotation, type) and issubclass(field.annotation, Slice)


def _non_empty(variables: Mapping[str, str | None]) -> dict[str, str]:
    # Names compare case-insensitively, as pydantic-settings does by default.
    return {name.lower(): value for name, value in variables.items() if value}
