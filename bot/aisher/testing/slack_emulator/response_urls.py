"""`response_url`s: handed out in slash-command and interaction payloads, and what was posted.

bolt's `respond()` posts to the payload's `response_url` with its own webhook client, not
through the Web API base URL, so the emulator must put its own address there. Slack allows 5
posts per URL (within 30 minutes); a 6th gets 404 `used_url` here.
"""

from __future__ import annotations

import json
import secrets

from aiohttp import web

from aisher.testing.slack_emulator.journal import Journal
from aisher.testing.slack_emulator.records import ResponsePost

MAX_POSTS_PER_URL = 5


class ResponseUrls:
    """Issues URLs under `base_url` and records every POST made to them."""

    def __init__(self, journal: Journal, team_id: str, max_posts: int = MAX_POSTS_PER_URL) -> None:
        self._journal = journal
        self._team_id = team_id
        self._max_posts = max_posts
        self._owners: dict[str, str] = {}  # path → envelope id
        self._posts: list[ResponsePost] = []
        self.base_url = ""  # set once the server knows its port

    def issue(self, kind: str, envelope_id: str) -> str:
        """A new URL for the envelope; `kind` is `commands` or `actions`, as in Slack's URLs."""
        with self._journal.changing():
            number = len(self._owners) + 1
            path = f"/{kind}/{self._team_id}/{number}/{secrets.token_hex(8)}"
            self._owners[path] = envelope_id
            return self.base_url + path

    def posts(self, envelope_id: str | None = None) -> list[ResponsePost]:
        with self._journal.lock:
            return [
                post
                for post in self._posts
                if envelope_id is None or post.envelope_id == envelope_id
            ]

    async def handle(self, request: web.Request) -> web.Response:
        """POST /commands/… or /actions/…: record the JSON body, answer like Slack."""
        raw = await request.text()
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        with self._journal.changing():
            envelope_id = self._owners.get(request.path)
            if envelope_id is None:
                return web.Response(status=404, text="invalid_url")
            url = self.base_url + request.path
            used = sum(1 for post in self._posts if post.url == url)
            accepted = used < self._max_posts
            self._posts.append(ResponsePost(url, envelope_id, body, accepted))
        if not accepted:
            return web.Response(status=404, text="used_url")
        return web.Response(text="ok")
