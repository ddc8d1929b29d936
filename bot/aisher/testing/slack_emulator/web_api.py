"""The Web API under `/api/<method>`: parameters, tokens, queued faults and the call log.

slack_sdk sends chat.* as JSON bodies and other methods as query strings or forms, and bolt
adds `team_id`; all three are merged and unknown parameters ignored. Every answer carries
`x-oauth-scopes`, as Slack's do. The bot token (`xoxb-`) authorises every method except
`apps.connections.open`, which needs the app-level token (`xapp-`) in the header; the SDK does
not check those prefixes itself, so the emulator does, to expose swapped tokens.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from aisher.testing.slack_emulator.faults import FaultPlan
from aisher.testing.slack_emulator.journal import Journal
from aisher.testing.slack_emulator.methods import ApiError, Methods
from aisher.testing.slack_emulator.records import ApiCall, Identity, JsonObject

# The manifest's bot scopes, plus the read scopes `conversations.info` needs.
DEFAULT_SCOPES = frozenset(
    {
        "commands",
        "chat:write",
        "chat:write.public",
        "reactions:read",
        "reactions:write",
        "channels:history",
        "groups:history",
        "channels:read",
        "groups:read",
    }
)
BOT_TOKEN_PREFIX = "xoxb-"  # noqa: S105 - a prefix, not a token
APP_TOKEN_PREFIX = "xapp-"  # noqa: S105


class WebApi:
    """Answers `/api/{method}`; `open_socket()` issues a websocket URL for a new connection."""

    def __init__(
        self,
        journal: Journal,
        *,
        identity: Identity,
        methods: Methods,
        faults: FaultPlan,
        scopes: frozenset[str],
        open_socket: Callable[[], str],
    ) -> None:
        self._journal = journal
        self._identity = identity
        self._methods = methods
        self._faults = faults
        self._scopes = scopes
        self._open_socket = open_socket
        self._table = methods.table()
        self._calls: list[ApiCall] = []
        self.base_url = ""  # set once the server knows its port

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._journal.lock:
            return [call for call in self._calls if method is None or call.method == method]

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request)
        token = bearer_token(request)
        body_token = _pop_str(params, "token")
        params.pop("token", None)
        if token is None and method != "apps.connections.open":
            token = body_token  # the app token is accepted in the header only, as Slack says
        with self._journal.changing():
            status, body, headers = self._answer(method, params, token)
            self._calls.append(
                ApiCall(
                    method=method,
                    params=params,
                    token=token,
                    http_status=status,
                    ok=bool(body.get("ok")),
                    error=body.get("error"),
                    at=time.monotonic(),
                )
            )
        headers["x-oauth-scopes"] = ",".join(sorted(self._scopes))
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, method: str, params: JsonObject, token: str | None
    ) -> tuple[int, JsonObject, dict[str, str]]:
        serve = self._serve_table().get(method)
        if serve is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        fault = self._faults.take(method)
        if fault is not None:
            return fault.http_status, {"ok": False, "error": fault.error}, fault.headers()
        prefix = APP_TOKEN_PREFIX if method == "apps.connections.open" else BOT_TOKEN_PREFIX
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if not token.startswith(prefix):
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        try:
            body = serve(params)
        except ApiError as error:
            return 200, {"ok": False, "error": error.error, **error.extra}, {}
        return 200, {"ok": True, **body}, {}

    def _serve_table(self) -> dict[str, Callable[[JsonObject], JsonObject]]:
        return {
            **self._table,
            "auth.test": self._auth_test,
            "apps.connections.open": lambda _params: {"url": self._open_socket()},
            "api.test": lambda params: {"args": params},
        }

    def _auth_test(self, _params: JsonObject) -> JsonObject:
        identity = self._identity
        return {
            "url": f"https://{identity.team_domain}.slack.com/",
            "team": identity.team_domain,
            "user": identity.bot_name,
            "team_id": identity.team_id,
            "user_id": identity.bot_user_id,
            "bot_id": identity.bot_id,
            "enterprise_id": identity.enterprise_id,
            "is_enterprise_install": False,
        }


async def read_params(request: web.Request) -> JsonObject:
    """Query string, then a JSON or form body on top, as Slack merges them."""
    params: JsonObject = dict(request.query)
    if not request.can_read_body:
        return params
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
        return params
    raw = await request.text()
    if raw.lstrip().startswith("{"):
        try:
            body: Any = json.loads(raw)
        except json.JSONDecodeError:
            return params
        if isinstance(body, dict):
            params.update(body)
    return params


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _pop_str(params: JsonObject, key: str) -> str | None:
    value = params.get(key)
    return value if isinstance(value, str) else None
