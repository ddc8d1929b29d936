"""Settings, read once at start-up from the environment (and `.env`), then passed down narrowly.

Entry points build one `Settings` and hand each component only the slice it needs
(`settings.clickhouse()`, `settings.llm()`, …); nothing imports a global settings object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path("~/.local/share/aisher")
SIGNOZ_DEFAULT_RETENTION_DAYS = 15


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _parse_mapping(value: Any) -> Any:
    """Accept `{"a": "b"}` JSON or `a=b,c=d` for mapping settings."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return {}
    if text.startswith("{"):
        return json.loads(text)
    pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
    return {key.strip(): val.strip() for key, val in pairs}


@dataclass(frozen=True)
class ClickHouseSettings:
    """How to reach the SigNoz ClickHouse, or where the embedded store lives."""

    dsn: str
    verify_tls: bool = True
    ca_cert: str | None = None
    query_timeout_s: float = 30.0
    connect_timeout_s: float = 5.0
    max_connections: int = 8
    retries: int = 3
    traces_database: str = "signoz_traces"
    logs_database: str = "signoz_logs"

    @property
    def embedded(self) -> bool:
        return self.dsn.startswith("chdb:")


@dataclass(frozen=True)
class QueryLimits:
    """Bounds that keep one analysis cheap however large the window is."""

    max_rows: int = 20_000
    max_traces: int = 500
    max_logs: int = 50
    retention_days: int = SIGNOZ_DEFAULT_RETENTION_DAYS


@dataclass(frozen=True)
class LlmSettings:
    """Which models to call and how patiently."""

    model: str | None
    simple_model: str | None = None
    api_base: str | None = None
    api_key: SecretStr | None = None
    timeout_s: float = 60.0
    max_retries: int = 3
    concurrency: int = 4
    max_output_tokens: int = 1200
    context_token_budget: int = 6000

    def model_for(self, *, simple: bool) -> str | None:
        """The cheaper model for simple windows when one is configured, else the main one."""
        if simple and self.simple_model:
            return self.simple_model
        return self.model


@dataclass(frozen=True)
class PromptSettings:
    """Which prompt template answers for whom."""

    directory: Path | None = None
    default_template: str = "rca"
    overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CacheSettings:
    redis_url: str | None
    ttl_s: int = 86_400
    local_entries: int = 512


@dataclass(frozen=True)
class BudgetSettings:
    redis_url: str | None
    daily_usd: float = 10.0
    per_tenant_usd: dict[str, float] = field(default_factory=dict)

    def limit_for(self, tenant: str) -> float:
        return self.per_tenant_usd.get(tenant, self.daily_usd)


class Settings(BaseSettings):
    """Every setting Aisher reads; names are part of the stable interface (see DESIGN.md)."""

    model_config = SettingsConfigDict(
        env_prefix="AISHER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    clickhouse_dsn: str | None = None
    data_dir: Path = DEFAULT_DATA_DIR
    clickhouse_verify: bool = True
    clickhouse_ca_cert: str | None = None
    clickhouse_query_timeout_s: float = Field(default=30.0, gt=0)
    clickhouse_connect_timeout_s: float = Field(default=5.0, gt=0)
    clickhouse_max_connections: int = Field(default=8, ge=1)
    clickhouse_retries: int = Field(default=3, ge=0)
    traces_database: str = "signoz_traces"
    logs_database: str = "signoz_logs"
    max_rows: int = Field(default=20_000, ge=100)
    max_traces: int = Field(default=500, ge=1)
    max_logs: int = Field(default=50, ge=0)
    retention_days: int = Field(default=SIGNOZ_DEFAULT_RETENTION_DAYS, ge=1)

    redis_url: str | None = None
    cache_ttl_s: int = Field(default=86_400, ge=1)
    cache_local_entries: int = Field(default=512, ge=1)

    llm_model: str | None = None
    llm_model_simple: str | None = None
    llm_api_base: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=3, ge=0)
    llm_concurrency: int = Field(default=4, ge=1)
    llm_max_output_tokens: int = Field(default=1200, ge=64)
    context_token_budget: int = Field(default=6000, ge=500)
    prompts_dir: Path | None = None
    prompt_template: str = "rca"
    prompt_templates: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    daily_budget_usd: float = Field(default=10.0, ge=0)
    tenant_budgets_usd: Annotated[dict[str, float], NoDecode] = Field(default_factory=dict)
    default_tenant: str = "default"

    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "slack_app_token")
    )
    slack_api_url: str = "https://slack.com/api/"
    http_port: int = Field(default=8080, ge=0, le=65535)
    webhook_token: SecretStr | None = None
    alert_channel: str | None = None
    alertmanager_bot_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    rerun_reaction: str = "repeat"
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    signoz_url: str | None = None

    _split_lists = field_validator("alertmanager_bot_ids", "api_keys", mode="before")(_split_csv)
    _parse_maps = field_validator("prompt_templates", "tenant_budgets_usd", mode="before")(
        _parse_mapping
    )

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser()

    def embedded_store_path(self) -> Path:
        return self.resolved_data_dir / "store"

    def clickhouse(self) -> ClickHouseSettings:
        dsn = self.clickhouse_dsn or f"chdb://{self.embedded_store_path()}"
        return ClickHouseSettings(
            dsn=dsn,
            verify_tls=self.clickhouse_verify,
            ca_cert=self.clickhouse_ca_cert,
            query_timeout_s=self.clickhouse_query_timeout_s,
            connect_timeout_s=self.clickhouse_connect_timeout_s,
            max_connections=self.clickhouse_max_connections,
            retries=self.clickhouse_retries,
            traces_database=self.traces_database,
            logs_database=self.logs_database,
        )

    def query_limits(self) -> QueryLimits:
        return QueryLimits(
            max_rows=self.max_rows,
            max_traces=self.max_traces,
            max_logs=self.max_logs,
            retention_days=self.retention_days,
        )

    def llm(self) -> LlmSettings:
        return LlmSettings(
            model=self.llm_model or None,
            simple_model=self.llm_model_simple or None,
            api_base=self.llm_api_base,
            api_key=self.llm_api_key,
            timeout_s=self.llm_timeout_s,
            max_retries=self.llm_max_retries,
            concurrency=self.llm_concurrency,
            max_output_tokens=self.llm_max_output_tokens,
            context_token_budget=self.context_token_budget,
        )

    def prompts(self) -> PromptSettings:
        return PromptSettings(
            directory=self.prompts_dir,
            default_template=self.prompt_template,
            overrides=dict(self.prompt_templates),
        )

    def cache(self) -> CacheSettings:
        return CacheSettings(
            redis_url=self.redis_url, ttl_s=self.cache_ttl_s, local_entries=self.cache_local_entries
        )

    def budget(self) -> BudgetSettings:
        return BudgetSettings(
            redis_url=self.redis_url,
            daily_usd=self.daily_budget_usd,
            per_tenant_usd=dict(self.tenant_budgets_usd),
        )
