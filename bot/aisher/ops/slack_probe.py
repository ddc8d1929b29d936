"""Ask Slack whether the app is set up as `serve` needs: tokens, sign-in, scopes, Socket Mode.

`auth.test` with the bot token says who the bot is, and its `x-oauth-scopes` header which scopes
the token has, compared with the bot scopes manifest.yml asks for. `apps.connections.open` with
the app token proves Socket Mode can connect (it only issues a URL; nothing connects to it).
Calls go to `AISHER_SLACK_API_URL`, so an emulator or a proxy answers just like Slack.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

import aisher
from aisher.config import SlackSettings
from aisher.ops.checks import CheckResult, Status
from aisher.ops.slack_checks import (
    granted_scopes,
    manifest_bot_scopes,
    slack_app_token_check,
    slack_auth_check,
    slack_scopes_check,
    slack_tokens_check,
)
from aisher.render.safe_text import one_line
from aisher.slack.poster import normalise_api_url

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.yml"


async def slack_checks(
    settings: SlackSettings, *, app_token: bool, manifest: Path | None, timeout_s: float
) -> list[CheckResult]:
    """The token check, then (when both tokens look right) sign-in, scopes and Socket Mode."""
    bot = settings.bot_token.get_secret_value() if settings.bot_token is not None else None
    app = settings.app_token.get_secret_value() if settings.app_token is not None else None
    tokens = slack_tokens_check(bot, app)
    if tokens.status is not Status.OK or bot is None or app is None:
        return [tokens]
    base_url = normalise_api_url(settings.api_url)
    wanted = read_manifest_scopes(manifest)
    seconds = max(1, round(timeout_s))
    auth = await _auth_test(
        AsyncWebClient(token=bot, base_url=base_url, timeout=seconds), timeout_s
    )
    results = [
        tokens,
        slack_auth_check(settings.api_url, auth.identity, auth.error, unreachable=auth.unreachable),
    ]
    if auth.error is None:
        results.append(slack_scopes_check(granted_scopes(auth.headers), wanted))
    if app_token:
        client = AsyncWebClient(base_url=base_url, timeout=seconds)
        opened = await _call(client.apps_connections_open(app_token=app), timeout_s)
        results.append(
            slack_app_token_check(settings.api_url, opened.error, unreachable=opened.unreachable)
        )
    return results


@dataclass(frozen=True, slots=True)
class SlackAnswer:
    """A Web API call's outcome: the answer, or an error code, or no answer at all."""

    identity: Mapping[str, object] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    unreachable: bool = False


def default_manifest() -> Path | None:
    """manifest.yml inside an installed package, or at the top of a source checkout."""
    package = Path(aisher.__file__).parent
    for candidate in (package / MANIFEST_NAME, package.parents[1] / MANIFEST_NAME):
        if candidate.is_file():
            return candidate
    return None


def read_manifest_scopes(path: Path | None) -> frozenset[str] | None:
    """The manifest's bot scopes, or None (logged) when there is no readable manifest."""
    path = path or default_manifest()
    if path is None:
        return None
    try:
        return manifest_bot_scopes(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        log.warning("cannot read the Slack app manifest %s: %s", path, exc)
        return None


async def _auth_test(client: AsyncWebClient, timeout_s: float) -> SlackAnswer:
    """`auth.test`: who the token belongs to, with the answer's headers."""
    return await _call(client.auth_test(), timeout_s)


async def _call(call: Awaitable[AsyncSlackResponse], timeout_s: float) -> SlackAnswer:
    try:
        async with asyncio.timeout(timeout_s + 1):
            response = await call
    except SlackApiError as exc:
        return SlackAnswer(error=str(exc.response.get("error") or exc.response.status_code))
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        reason = one_line(str(exc) or type(exc).__name__, 200)
        return SlackAnswer(error=f"cannot reach Slack: {reason}", unreachable=True)
    data = response.data if isinstance(response.data, dict) else {}
    return SlackAnswer(identity=data, headers=dict(response.headers))
