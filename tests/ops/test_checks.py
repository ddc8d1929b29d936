"""The pure verdicts of `aisher check`: what each observation means and the fix it names, and
how results are printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisher.commands.check import render_result, render_results
from aisher.errors import ConfigError, DataSourceUnavailable, SchemaError
from aisher.ops.checks import (
    CheckResult,
    ModelFacts,
    Status,
    api_keys_check,
    clickhouse_check,
    has_failures,
    llm_call_check,
    llm_key_check,
    llm_model_check,
    redis_check,
    webhook_check,
)
from aisher.ops.slack_checks import (
    granted_scopes,
    manifest_bot_scopes,
    slack_app_token_check,
    slack_auth_check,
    slack_scopes_check,
    slack_tokens_check,
)
from aisher.ops.slack_probe import default_manifest, read_manifest_scopes
from aisher.signoz.probe import LogSchema, SchemaInfo, TraceSchema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = SchemaInfo(
    trace_schema=TraceSchema.V3,
    spans_table="signoz_traces.distributed_signoz_index_v3",
    errors_table="signoz_traces.distributed_signoz_error_index_v2",
    trace_summary_table=None,
    log_schema=LogSchema.V2,
    logs_table="signoz_logs.distributed_logs_v2",
)
LONG_SECRET = "f" * 32
API = "https://slack.com/api/"


class TestClickHouseCheck:
    def test_names_the_schema_versions_found(self) -> None:
        """Reachable with SigNoz's tables: ok, naming trace and log schema versions."""
        result = clickhouse_check("ch:8123", schema=SCHEMA, recent_services=4)
        assert result.status is Status.OK
        assert "traces v3" in result.detail
        assert "logs v2" in result.detail
        assert "4 services" in result.detail

    def test_warns_when_no_spans_arrive(self) -> None:
        """Tables but no recent spans: a warning pointing at the collector."""
        result = clickhouse_check("ch:8123", schema=SCHEMA, recent_services=0)
        assert result.status is Status.WARN
        assert "collector" in result.fix

    @pytest.mark.parametrize(
        ("error", "named"),
        [
            (DataSourceUnavailable("connection refused"), "AISHER_CLICKHOUSE_DSN"),
            (SchemaError("no SigNoz span table"), "AISHER_TRACES_DATABASE"),
            (ConfigError("AISHER_CLICKHOUSE_DSN must start with http://"), "chdb://"),
        ],
    )
    def test_failures_name_the_setting_to_fix(self, error: Exception, named: str) -> None:
        """Unreachable, wrong databases or a bad DSN each fail with the setting to change."""
        result = clickhouse_check("ch:8123", error=error)
        assert result.status is Status.FAIL
        assert named in result.fix


class TestRedisCheck:
    def test_unset_is_skipped(self) -> None:
        """No AISHER_REDIS_URL is a valid single-replica choice."""
        assert redis_check(None).status is Status.SKIP

    def test_dead_redis_fails_naming_the_variable(self) -> None:
        """A refused connection fails, naming AISHER_REDIS_URL."""
        result = redis_check("redis:6379", ConnectionError("Connection refused"))
        assert result.status is Status.FAIL
        assert "AISHER_REDIS_URL" in result.fix

    def test_wrong_password_says_so(self) -> None:
        """An authentication error points at the password in the URL."""
        result = redis_check("redis:6379", ConnectionError("invalid username-password pair"))
        assert "password" in result.fix


class TestLlmChecks:
    def test_known_model_passes(self) -> None:
        """A model in litellm's cost map passes."""
        facts = ModelFacts("openai/gpt-4o-mini", "openai", known=True)
        assert llm_model_check(facts, api_base=None).status is Status.OK

    def test_unknown_provider_fails(self) -> None:
        """A model string without a provider litellm knows fails with the expected form."""
        facts = ModelFacts("gpt-nope", None, known=False, error="LLM Provider NOT provided")
        result = llm_model_check(facts, api_base=None)
        assert result.status is Status.FAIL
        assert "provider/model" in result.fix

    def test_model_missing_from_the_cost_map_fails_unless_self_hosted(self) -> None:
        """A misspelt hosted model fails; a self-hosted one only warns."""
        hosted = ModelFacts("openai/gpt-4o-mnii", "openai", known=False)
        local = ModelFacts("ollama/my-model", "ollama", known=False)
        assert llm_model_check(hosted, api_base=None).status is Status.FAIL
        assert llm_model_check(local, api_base=None).status is Status.WARN
        assert llm_model_check(hosted, api_base="http://proxy/v1").status is Status.WARN

    def test_missing_key_fails_naming_both_variables(self) -> None:
        """The provider's key variable unset and no AISHER_LLM_API_KEY: fail naming both."""
        facts = ModelFacts("openai/gpt-4o-mini", "openai", True, missing_env=("OPENAI_API_KEY",))
        result = llm_key_check(facts, api_key_set=False, api_base_set=False)
        assert result.status is Status.FAIL
        assert "OPENAI_API_KEY" in result.fix
        assert "AISHER_LLM_API_KEY" in result.fix

    def test_aisher_key_stands_in_for_the_providers(self) -> None:
        """AISHER_LLM_API_KEY satisfies a missing provider key."""
        facts = ModelFacts("openai/gpt-4o-mini", "openai", True, missing_env=("OPENAI_API_KEY",))
        assert llm_key_check(facts, api_key_set=True, api_base_set=False).status is Status.OK

    def test_a_missing_address_alone_is_fine(self) -> None:
        """Ollama without OLLAMA_API_BASE uses its default address: ok."""
        facts = ModelFacts("ollama/llama3.1", "ollama", True, missing_env=("OLLAMA_API_BASE",))
        result = llm_key_check(facts, api_key_set=False, api_base_set=False)
        assert result.status is Status.OK
        assert "default address" in result.detail

    def test_failed_call_fails(self) -> None:
        """A one-token call that failed is a failure with the provider's reason."""
        result = llm_call_check("openai/gpt-4o-mini", "HTTP 401: the provider refused")
        assert result.status is Status.FAIL
        assert "401" in result.detail


class TestSlackChecks:
    def test_tokens_unset_is_skipped(self) -> None:
        """Neither token: Slack is off, which is a valid choice."""
        assert slack_tokens_check(None, None).status is Status.SKIP

    @pytest.mark.parametrize(
        ("bot", "app", "named"),
        [
            ("xoxb-1", None, "SLACK_APP_TOKEN"),
            (None, "xapp-1", "SLACK_BOT_TOKEN"),
            ("xapp-1", "xoxb-1", "xoxb-"),
            ("xoxb-1", "xoxp-1", "xapp-"),
        ],
    )
    def test_missing_or_wrong_kind_of_token_fails(
        self, bot: str | None, app: str | None, named: str
    ) -> None:
        """One token missing, or a token of the wrong kind, fails naming what is expected."""
        result = slack_tokens_check(bot, app)
        assert result.status is Status.FAIL
        assert named in result.detail

    def test_rejected_token_gets_slacks_fix(self) -> None:
        """auth.test's invalid_auth fails with the fix for a wrong bot token."""
        result = slack_auth_check(API, None, "invalid_auth")
        assert result.status is Status.FAIL
        assert "Bot User OAuth Token" in result.fix

    def test_unreachable_slack_points_at_the_network(self) -> None:
        """No answer at all: the fix is about the network path and the API URL."""
        result = slack_auth_check(API, None, "cannot reach Slack: refused", unreachable=True)
        assert "AISHER_SLACK_API_URL" in result.fix
        app = slack_app_token_check(API, "cannot reach Slack: refused", unreachable=True)
        assert "AISHER_SLACK_API_URL" in app.fix

    def test_missing_scopes_are_named(self) -> None:
        """Scopes the manifest asks for but the token lacks are listed, with the reinstall."""
        wanted = frozenset({"chat:write", "commands", "app_mentions:read"})
        result = slack_scopes_check(frozenset({"chat:write"}), wanted)
        assert result.status is Status.FAIL
        assert "app_mentions:read, commands" in result.detail
        assert "reinstall" in result.fix

    def test_extra_scopes_are_fine(self) -> None:
        """A token with more scopes than the manifest asks for passes."""
        wanted = frozenset({"chat:write"})
        assert slack_scopes_check(frozenset({"chat:write", "x"}), wanted).status is Status.OK

    def test_granted_scopes_come_from_the_header_in_any_case(self) -> None:
        """x-oauth-scopes is read whatever its case, split on commas."""
        granted = granted_scopes({"X-OAuth-Scopes": "chat:write, commands"})
        assert granted == frozenset({"chat:write", "commands"})
        assert granted_scopes({}) is None

    def test_reads_the_bot_scopes_of_the_shipped_manifest(self) -> None:
        """manifest.yml is found and its bot scopes read."""
        path = default_manifest()
        assert path == ROOT / "manifest.yml"
        scopes = read_manifest_scopes(path)
        assert scopes is not None
        assert {"commands", "chat:write", "app_mentions:read"} <= scopes

    def test_a_manifest_without_bot_scopes_is_refused(self) -> None:
        """YAML without oauth_config.scopes.bot is not a manifest."""
        with pytest.raises(ValueError, match="bot scopes"):
            manifest_bot_scopes("display_information:\n  name: x\n")


class TestWebhookAndApiChecks:
    def test_alert_channel_without_token_fails(self) -> None:
        """An alert channel but no webhook token: every alert would be refused."""
        result = webhook_check("C_ALERTS", None, slack_on=True)
        assert result.status is Status.FAIL
        assert "AISHER_WEBHOOK_TOKEN" in result.fix

    def test_token_and_channel_pass(self) -> None:
        """A long token and a channel with Slack on: ok."""
        assert webhook_check("C_ALERTS", LONG_SECRET, slack_on=True).status is Status.OK

    def test_short_token_warns(self) -> None:
        """A short webhook token is a warning with how to make a good one."""
        result = webhook_check("C_ALERTS", "abc", slack_on=True)
        assert result.status is Status.WARN
        assert "openssl" in result.fix

    def test_token_without_a_place_to_post_warns(self) -> None:
        """A token but no channel (or Slack off): alerts are only logged."""
        assert webhook_check(None, LONG_SECRET, slack_on=True).status is Status.WARN
        assert webhook_check("C1", LONG_SECRET, slack_on=False).status is Status.WARN

    def test_api_keys(self) -> None:
        """No keys: skipped (API off); short keys warn; long keys pass."""
        assert api_keys_check([]).status is Status.SKIP
        assert api_keys_check([32, 8]).status is Status.WARN
        assert api_keys_check([32, 40]).status is Status.OK


class TestRendering:
    def test_one_line_per_check_with_mark_and_fix(self) -> None:
        """Each result is one line: mark, name, detail, and the fix when there is one."""
        line = render_result(CheckResult("Redis", Status.FAIL, "down", "start it"))
        assert line == "✗ Redis: down — fix: start it"
        assert render_result(CheckResult("LLM", Status.OK, "fine")) == "✓ LLM: fine"

    def test_lines_are_terminal_safe(self) -> None:
        """Control characters and line breaks from errors never reach the terminal raw."""
        line = render_result(CheckResult("Slack auth", Status.FAIL, "bad\x1b[2J\nnext", ""))
        assert "\x1b" not in line
        assert "\n" not in line

    def test_ascii_output_when_the_terminal_cannot_encode_marks(self) -> None:
        """Without Unicode the marks are words and the line is plain ASCII."""
        line = render_result(CheckResult("Redis", Status.FAIL, "down…", "a → b"), unicode=False)
        assert line == "FAIL Redis: down... -- fix: a -> b"

    def test_summary_counts_failures_and_warnings(self) -> None:
        """The last line says how many checks failed and how many warned."""
        results = [
            CheckResult("a", Status.OK, ""),
            CheckResult("b", Status.FAIL, "", "x"),
            CheckResult("c", Status.WARN, "", "y"),
        ]
        assert has_failures(results)
        summary = render_results(results)[-1]
        assert "1 of 3 checks failed" in summary
        assert "1 with a warning" in summary
