"""The Socket Mode websocket at `/link`: tickets, connections, pushed envelopes and their acks.

Like Slack, the server speaks first: `hello` on connect, then envelopes whenever the test
pushes them, unprompted. Each envelope goes to the newest open connection; while none is open
(between a `disconnect` and the client's reconnect, say) envelopes wait and go out right after
the next `hello`, so none is lost to a reconnect. Protocol pings are answered by aiohttp
(slack_sdk's `sdk-ping-pong:<t>` keep-alive comes back in the pong). Every text frame the client
sends is recorded; those with an `envelope_id` are acks, matched to the latest delivery of that
envelope, with the time from sending to ack.

A ticket from `apps.connections.open` opens one websocket only, so a reconnect is visible as a
new `apps.connections.open` call followed by a new connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, WSMsgType, web

from aisher.testing.slack_emulator import envelopes
from aisher.testing.slack_emulator.journal import Journal
from aisher.testing.slack_emulator.records import Ack, Connection, Delivery, Identity, JsonObject


@dataclass(slots=True)
class _Outgoing:
    frame: JsonObject
    envelope_id: str | None = None
    attempt: int = 0


@dataclass(slots=True)
class _Live:
    number: int
    ticket: str
    socket: web.WebSocketResponse
    transport: asyncio.Transport | None
    outbox: asyncio.Queue[_Outgoing] = field(default_factory=asyncio.Queue)
    open: bool = True


class SocketModeLink:
    """Serves `/link`; `push`, `disconnect` and `drop` may be called from any thread."""

    def __init__(self, journal: Journal, identity: Identity) -> None:
        self._journal = journal
        self._identity = identity
        self._tickets: dict[str, bool] = {}  # ticket → already used
        self._live: list[_Live] = []
        self._pending: list[_Outgoing] = []
        self._deliveries: list[Delivery] = []
        self._acks: list[Ack] = []
        self._frames: list[str] = []
        self._envelopes: dict[str, JsonObject] = {}
        self._closing: set[asyncio.Future[bool]] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.base_url = ""  # set once the server knows its port

    def open_socket(self) -> str:
        """A fresh single-use websocket URL, as `apps.connections.open` returns it."""
        with self._journal.changing():
            ticket = secrets.token_hex(12)
            self._tickets[ticket] = False
        host = self.base_url.removeprefix("http://")
        return f"ws://{host}/link/?ticket={ticket}&app_id={self._identity.app_id}"

    def push(self, envelope: JsonObject) -> str:
        """Send an envelope (built by `envelopes.envelope`) to the client; its id."""
        envelope_id = str(envelope["envelope_id"])
        attempt = int(envelope.get("retry_attempt") or 0)
        with self._journal.changing():
            self._envelopes[envelope_id] = envelope
        self._schedule(_Outgoing(envelope, envelope_id, attempt))
        return envelope_id

    def envelope(self, envelope_id: str) -> JsonObject:
        with self._journal.lock:
            found = self._envelopes.get(envelope_id)
        if found is None:
            raise KeyError(f"no envelope {envelope_id!r} was pushed")
        return found

    def disconnect(self, reason: str) -> int:
        """Ask the newest connection to reconnect, as Slack does; that connection's number."""
        live = self._newest("send a disconnect")
        frame = envelopes.disconnect(self._identity, reason, self._open_count())
        self._call(lambda: live.outbox.put_nowait(_Outgoing(frame)))
        return live.number

    def drop(self) -> int:
        """Cut the newest connection without a close frame, like a network failure."""
        live = self._newest("drop")
        self._call(lambda: live.transport.abort() if live.transport is not None else None)
        return live.number

    def close(self, code: int = WSCloseCode.GOING_AWAY) -> int:
        """Close the newest connection with a close frame and `code`."""
        live = self._newest("close")

        def start_closing() -> None:
            task = asyncio.ensure_future(live.socket.close(code=code))
            self._closing.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self._closing.discard)

        self._call(start_closing)
        return live.number

    def connections(self) -> list[Connection]:
        with self._journal.lock:
            return [Connection(live.number, live.ticket, live.open) for live in self._live]

    def deliveries(self, envelope_id: str | None = None) -> list[Delivery]:
        with self._journal.lock:
            return [d for d in self._deliveries if envelope_id in (None, d.envelope_id)]

    def acks(self, envelope_id: str | None = None) -> list[Ack]:
        with self._journal.lock:
            return [ack for ack in self._acks if envelope_id in (None, ack.envelope_id)]

    def frames(self) -> list[str]:
        """Text frames from clients that were not acks."""
        with self._journal.lock:
            return list(self._frames)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        with self._journal.changing():
            if self._tickets.get(ticket) is not False:
                return web.Response(status=401, text="invalid_ticket")
            self._tickets[ticket] = True
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        with self._journal.changing():
            live = _Live(len(self._live) + 1, ticket, socket, request.transport)
            self._live.append(live)
            live.outbox.put_nowait(_Outgoing(envelopes.hello(self._identity, self._open_count())))
            for item in self._pending:
                live.outbox.put_nowait(item)
            self._pending.clear()
        sender = asyncio.create_task(self._send_all(live))
        try:
            async for frame in socket:
                if frame.type == WSMsgType.TEXT:
                    self._received(live, frame.data)
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            with self._journal.changing():
                live.open = False
                while not live.outbox.empty():
                    self._requeue(live.outbox.get_nowait())
        return socket

    async def close_all(self) -> None:
        """Close every open websocket; called when the server stops."""
        with self._journal.lock:
            sockets = [live.socket for live in self._live if live.open]
        for socket in sockets:
            await socket.close(code=WSCloseCode.GOING_AWAY)

    async def _send_all(self, live: _Live) -> None:
        while True:
            item = await live.outbox.get()
            if item.envelope_id is not None:
                with self._journal.changing():
                    delivery = Delivery(
                        item.envelope_id,
                        str(item.frame.get("type")),
                        item.attempt,
                        live.number,
                        time.monotonic(),
                    )
                    self._deliveries.append(delivery)
            try:
                await live.socket.send_str(json.dumps(item.frame))
            except (ConnectionError, RuntimeError):
                with self._journal.changing():
                    if item.envelope_id is not None:
                        self._deliveries.remove(delivery)
                    self._requeue(item)
                return

    def _received(self, live: _Live, data: str) -> None:
        received_at = time.monotonic()
        try:
            frame = json.loads(data)
        except json.JSONDecodeError:
            frame = None
        with self._journal.changing():
            envelope_id = frame.get("envelope_id") if isinstance(frame, dict) else None
            if not isinstance(envelope_id, str):
                self._frames.append(data)
                return
            delivery = self._unacked(envelope_id)
            payload = frame.get("payload") if isinstance(frame, dict) else None
            self._acks.append(
                Ack(
                    envelope_id=envelope_id,
                    payload=payload if isinstance(payload, dict) else None,
                    attempt=delivery.attempt if delivery else -1,
                    connection=live.number,
                    latency_s=received_at - delivery.sent_at if delivery else float("nan"),
                )
            )

    def _unacked(self, envelope_id: str) -> Delivery | None:
        acked = {(ack.envelope_id, ack.attempt) for ack in self._acks}
        for delivery in reversed(self._deliveries):
            if delivery.envelope_id == envelope_id and (envelope_id, delivery.attempt) not in acked:
                return delivery
        return None

    def _requeue(self, item: _Outgoing) -> None:
        # A `disconnect` meant for a closed socket is moot; envelopes wait for the next one.
        if item.envelope_id is not None:
            self._pending.append(item)

    def _schedule(self, item: _Outgoing) -> None:
        def route() -> None:
            with self._journal.changing():
                open_ = [live for live in self._live if live.open]
                if open_:
                    open_[-1].outbox.put_nowait(item)
                else:
                    self._pending.append(item)

        self._call(route)

    def _newest(self, action: str) -> _Live:
        with self._journal.lock:
            open_ = [live for live in self._live if live.open]
        if not open_:
            raise AssertionError(f"cannot {action}: no Socket Mode client is connected")
        return open_[-1]

    def _open_count(self) -> int:
        with self._journal.lock:
            return sum(1 for live in self._live if live.open)

    def _call(self, callback: Callable[[], object]) -> None:
        if self.loop is None:
            raise RuntimeError("the Slack emulator is not running")
        self.loop.call_soon_threadsafe(callback)
