"""What `aisher check` concludes about the Slack app: tokens, sign-in, scopes, Socket Mode.

Pure decisions like those of `aisher.ops.checks`, plus reading the bot scopes `manifest.yml`
asks for, which is what the token's granted scopes (`x-oauth-scopes`) are compared with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from aisher.ops.checks import CheckResult, Status

_REINSTALL = "then reinstall the app to the workspace so the token gets them"


def manifest_bot_scopes(text: str) -> frozenset[str]:
    """The bot scopes of a Slack app manifest (YAML); `ValueError` when it has none."""
    try:
        document: Any = yaml.safe_load(text)
        scopes = document["oauth_config"]["scopes"]["bot"]
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise ValueError(f"not a Slack app manifest with bot scopes: {exc}") from None
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise ValueError("oauth_config.scopes.bot must be a list of scope names")
    return frozenset(scopes)


def granted_scopes(headers: Mapping[str, str]) -> frozenset[str] | None:
    """The scopes in a Web API answer's `x-oauth-scopes` header (any case), or None."""
    value = next((v for k, v in headers.items() if k.lower() == "x-oauth-scopes"), None)
    if value is None:
        return None
    return frozenset(scope.strip() for scope in value.split(",") if scope.strip())


def slack_tokens_check(bot_token: str | None, app_token: str | None) -> CheckResult:
    """Both tokens or neither, each of the right kind."""
    name = "Slack tokens"
    if not bot_token and not app_token:
        return CheckResult(
            name, Status.SKIP, "SLACK_BOT_TOKEN and SLACK_APP_TOKEN unset: serve runs HTTP only"
        )
    if not bot_token or not app_token:
        missing = "SLACK_BOT_TOKEN" if not bot_token else "SLACK_APP_TOKEN"
        return CheckResult(
            name,
            Status.FAIL,
            f"{missing} is not set: Slack stays off without both tokens",
            "set SLACK_BOT_TOKEN (xoxb-…, OAuth & Permissions) and SLACK_APP_TOKEN (xapp-…, "
            "Basic Information → App-Level Tokens, scope connections:write)",
        )
    if not bot_token.startswith("xoxb-"):
        return CheckResult(
            name,
            Status.FAIL,
            "SLACK_BOT_TOKEN does not start with xoxb-",
            "use the Bot User OAuth Token from OAuth & Permissions (are the two tokens swapped?)",
        )
    if not app_token.startswith("xapp-"):
        return CheckResult(
            name,
            Status.FAIL,
            "SLACK_APP_TOKEN does not start with xapp-",
            "create an App-Level Token with connections:write under Basic Information",
        )
    return CheckResult(name, Status.OK, "bot (xoxb-) and app (xapp-) tokens set")


# What the fix is for each auth.test error Slack documents.
_AUTH_FIXES = {
    "invalid_auth": "SLACK_BOT_TOKEN is wrong: copy the Bot User OAuth Token again",
    "not_authed": "SLACK_BOT_TOKEN is empty: copy the Bot User OAuth Token",
    "token_revoked": "the token was revoked: reinstall the app and use its new bot token",
    "token_expired": "the token expired: turn token rotation off or refresh the token",
    "account_inactive": "the app or workspace was deactivated: reinstall the app",
    "not_allowed_token_type": "SLACK_BOT_TOKEN must be the bot token (xoxb-), not another kind",
}


def slack_auth_check(
    api_url: str,
    identity: Mapping[str, object] | None,
    error: str | None,
    *,
    unreachable: bool = False,
) -> CheckResult:
    """`auth.test` accepts the bot token; names the bot and the workspace."""
    if identity is not None and error is None:
        detail = f"signed in as @{identity.get('user')} in {identity.get('team')}"
        return CheckResult("Slack auth", Status.OK, f"{detail} ({identity.get('team_id')})")
    text = error or "no answer"
    fix = _network_fix(api_url) if unreachable else _AUTH_FIXES.get(text, _network_fix(api_url))
    return CheckResult("Slack auth", Status.FAIL, f"auth.test failed: {text}", fix)


def _network_fix(api_url: str) -> str:
    return f"check the network path to {api_url} (proxy, firewall) and AISHER_SLACK_API_URL"


def slack_scopes_check(
    granted: frozenset[str] | None, wanted: frozenset[str] | None
) -> CheckResult:
    """The bot token has every bot scope manifest.yml asks for."""
    name = "Slack scopes"
    if wanted is None:
        return CheckResult(
            name, Status.WARN, "manifest.yml not found: cannot compare the token's scopes"
        )
    if granted is None:
        return CheckResult(name, Status.WARN, "Slack did not list the token's scopes")
    missing = sorted(wanted - granted)
    if missing:
        return CheckResult(
            name,
            Status.FAIL,
            f"the bot token lacks {', '.join(missing)}",
            "add them under OAuth & Permissions → Bot Token Scopes (or create the app from "
            f"manifest.yml), {_REINSTALL}",
        )
    return CheckResult(name, Status.OK, f"all {len(wanted)} scopes of manifest.yml granted")


def slack_app_token_check(
    api_url: str, error: str | None, *, unreachable: bool = False
) -> CheckResult:
    """`apps.connections.open` accepts the app token: Socket Mode can connect."""
    if error is None:
        return CheckResult("Slack app token", Status.OK, "Socket Mode connection URL issued")
    fix = (
        _network_fix(api_url)
        if unreachable
        else "create an App-Level Token with connections:write (Basic Information) for "
        "SLACK_APP_TOKEN, and turn Socket Mode on in the app's settings"
    )
    return CheckResult(
        "Slack app token", Status.FAIL, f"apps.connections.open failed: {error}", fix
    )
