"""What `aisher check` (and `serve` at start-up) concludes about each part of a deployment.

Pure decisions: each function takes what was observed (a probed schema, an error, the scopes a
token has) and returns a `CheckResult` with a verdict, what was found, and, when something is
wrong, the fix in words a person can act on. The observing (connections, calls) is done by
`aisher.ops.preflight`; printing by `aisher.commands.check`. Slack's checks are in
`aisher.ops.slack_checks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from aisher.errors import ConfigError, QueryTimeout, SchemaError
from aisher.signoz.probe import LogSchema, SchemaInfo

# Shorter shared secrets can be guessed or brute-forced; 32 random characters is the advice.
MIN_SECRET_CHARS = 16
_HOW_TO_GENERATE = "e.g. the output of `openssl rand -hex 32`"
# Providers that run on the operator's own machines: their models are rarely in litellm's cost
# map, and that is expected rather than a typo.
LOCAL_PROVIDERS = frozenset({"ollama", "ollama_chat", "hosted_vllm", "lm_studio", "llamafile"})


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # works, but probably not as intended
    FAIL = "fail"  # will not work: fix before deploying
    SKIP = "skip"  # not configured, which is a valid choice


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    status: Status
    detail: str
    fix: str = ""


def has_failures(results: Iterable[CheckResult]) -> bool:
    return any(result.status is Status.FAIL for result in results)


def clickhouse_check(
    where: str,
    *,
    schema: SchemaInfo | None = None,
    recent_services: int | None = None,
    error: BaseException | None = None,
) -> CheckResult:
    """ClickHouse reachable, SigNoz's tables found (and which versions), spans arriving."""
    name = "ClickHouse"
    if isinstance(error, ConfigError):
        fix = "set AISHER_CLICKHOUSE_DSN to http(s)://user:password@host:8123/ or chdb:///path"
        return CheckResult(name, Status.FAIL, str(error), fix)
    if isinstance(error, SchemaError):
        fix = (
            "point AISHER_TRACES_DATABASE and AISHER_LOGS_DATABASE at SigNoz's databases "
            "(signoz_traces, signoz_logs by default) and check the user may read them"
        )
        return CheckResult(name, Status.FAIL, f"{where}: {error}", fix)
    if isinstance(error, QueryTimeout):
        fix = "check ClickHouse's load, or raise AISHER_CLICKHOUSE_QUERY_TIMEOUT_S"
        return CheckResult(name, Status.FAIL, f"{where} is too slow: {error}", fix)
    if error is not None or schema is None:
        fix = (
            "check that ClickHouse runs and that AISHER_CLICKHOUSE_DSN names its HTTP port "
            "(8123, or 8443 with TLS), user and password"
        )
        return CheckResult(name, Status.FAIL, f"cannot reach {where}: {error}", fix)
    logs = (
        "no log table"
        if schema.log_schema is LogSchema.NONE
        else f"logs {schema.log_schema.value} ({schema.logs_table})"
    )
    detail = f"{where}: SigNoz traces {schema.trace_schema.value} ({schema.spans_table}), {logs}"
    if recent_services == 0:
        return CheckResult(
            name,
            Status.WARN,
            f"{detail}; no spans in the last hour",
            "check that the OpenTelemetry collector sends traces to SigNoz (or `aisher load` "
            "some), or that these are the right databases",
        )
    if recent_services is not None:
        detail += f"; {recent_services} services sent spans in the last hour"
    return CheckResult(name, Status.OK, detail)


def redis_check(address: str | None, error: BaseException | None = None) -> CheckResult:
    """Redis answers PING when configured; unset is a valid single-replica choice."""
    if address is None:
        return CheckResult(
            "Redis",
            Status.SKIP,
            "not configured: cache, dedup and thread map live in this process (one replica)",
        )
    if error is None:
        return CheckResult("Redis", Status.OK, f"{address} answers PING")
    text = str(error)
    if "auth" in text.lower() or "password" in text.lower():
        fix = "put the right password in AISHER_REDIS_URL (redis://:PASSWORD@host:6379/0)"
    else:
        fix = "start Redis, or correct host and port in AISHER_REDIS_URL (redis://host:6379/0)"
    return CheckResult("Redis", Status.FAIL, f"{address} does not answer: {text}", fix)


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """What litellm says about a model string, from its local cost map and provider table."""

    model: str
    provider: str | None  # None: litellm cannot tell which provider serves it
    known: bool  # in litellm's cost map
    missing_env: tuple[str, ...] = ()  # variables litellm wants for the provider but are unset
    error: str = ""


def llm_off_check() -> CheckResult:
    return CheckResult(
        "LLM", Status.SKIP, "AISHER_LLM_MODEL is not set: the heuristic analyzer answers alone"
    )


def llm_model_check(facts: ModelFacts, *, label: str = "", api_base: str | None) -> CheckResult:
    """The model string names a provider litellm knows and a model in its cost map."""
    name = f"LLM model{label}"
    if facts.provider is None:
        return CheckResult(
            name,
            Status.FAIL,
            f"litellm knows no provider for {facts.model!r}: {facts.error}",
            "write the model as provider/model, e.g. openai/gpt-4o-mini or ollama/llama3.1",
        )
    if facts.known:
        return CheckResult(name, Status.OK, f"{facts.model} ({facts.provider}) is in the cost map")
    detail = f"{facts.model} ({facts.provider}) is not in litellm's cost map"
    if api_base or facts.provider in LOCAL_PROVIDERS:
        return CheckResult(
            name,
            Status.WARN,
            f"{detail}: costs show as $0, so the daily budget cannot limit it",
            "fine for a self-hosted model; otherwise check the model's spelling",
        )
    return CheckResult(
        name,
        Status.FAIL,
        f"{detail}: a misspelt model makes every analysis fall back to the heuristic",
        "check the spelling against litellm's model list (e.g. openai/gpt-4o-mini)",
    )


def llm_key_check(
    facts: ModelFacts, *, label: str = "", api_key_set: bool, api_base_set: bool
) -> CheckResult:
    """The provider's key is present: its own variable or AISHER_LLM_API_KEY."""
    name = f"LLM key{label}"
    if facts.provider is None:
        return CheckResult(name, Status.SKIP, "unknown provider, see the LLM model check")
    addresses = [item for item in facts.missing_env if _is_address(item)]
    keys = [item for item in facts.missing_env if not _is_address(item)]
    if keys and not api_key_set:
        return CheckResult(
            name,
            Status.FAIL,
            f"no key for {facts.provider}: {', '.join(keys)} is not set",
            f"set {' or '.join([*keys, 'AISHER_LLM_API_KEY'])}",
        )
    key = "AISHER_LLM_API_KEY" if api_key_set else "the provider's variables"
    if api_base_set:
        address = "AISHER_LLM_API_BASE"
    elif addresses:
        address = f"{facts.provider}'s default address"
    else:
        address = f"{facts.provider}'s address"
    return CheckResult(name, Status.OK, f"key from {key}; calls go to {address}")


def llm_call_check(model: str, error: str | None) -> CheckResult:
    """A one-token completion went through (only with `--llm-call`)."""
    if error is None:
        return CheckResult("LLM call", Status.OK, f"{model} answered a one-token request")
    return CheckResult(
        "LLM call",
        Status.FAIL,
        f"{model} did not answer: {error}",
        "check the key, the model name and AISHER_LLM_API_BASE (for a proxy or self-hosted model)",
    )


def _is_address(variable: str) -> bool:
    return variable.endswith(("_API_BASE", "_BASE_URL", "_ENDPOINT", "_HOST"))


def webhook_check(channel: str | None, token: str | None, *, slack_on: bool) -> CheckResult:
    """The Alertmanager webhook has its token when alerts are wanted, and a place to post."""
    name = "Alert webhook"
    token_fix = (
        f"set AISHER_WEBHOOK_TOKEN to a long random string ({_HOW_TO_GENERATE}) and give "
        "Alertmanager the same one (webhook_configs → http_config → authorization → credentials)"
    )
    if token is None:
        if channel is None:
            return CheckResult(name, Status.SKIP, "off: AISHER_WEBHOOK_TOKEN is not set")
        return CheckResult(
            name,
            Status.FAIL,
            f"AISHER_ALERT_CHANNEL is {channel} but AISHER_WEBHOOK_TOKEN is not set: "
            "the webhook refuses every alert",
            token_fix,
        )
    if len(token) < MIN_SECRET_CHARS:
        return CheckResult(
            name, Status.WARN, f"AISHER_WEBHOOK_TOKEN has {len(token)} characters", token_fix
        )
    if channel is None or not slack_on:
        why = "AISHER_ALERT_CHANNEL is not set" if channel is None else "Slack is off"
        return CheckResult(
            name,
            Status.WARN,
            f"on, but alerts are only logged: {why}",
            "set AISHER_ALERT_CHANNEL and both Slack tokens to post alert analyses",
        )
    return CheckResult(name, Status.OK, f"on, analyses posted in {channel}")


def api_keys_check(key_lengths: Sequence[int]) -> CheckResult:
    """The REST API has keys, each long enough; none is a valid choice (the API is off)."""
    name = "REST API keys"
    if not key_lengths:
        return CheckResult(name, Status.SKIP, "AISHER_API_KEYS unset: /api/v1 refuses every call")
    short = [length for length in key_lengths if length < MIN_SECRET_CHARS]
    if short:
        return CheckResult(
            name,
            Status.WARN,
            f"{len(short)} of {len(key_lengths)} keys are shorter than {MIN_SECRET_CHARS} "
            "characters",
            f"use long random keys in AISHER_API_KEYS ({_HOW_TO_GENERATE})",
        )
    return CheckResult(name, Status.OK, f"{len(key_lengths)} keys configured")
