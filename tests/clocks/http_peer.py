"""A real HTTP server on 127.0.0.1 standing in for an SMS or webhook gateway.

Tests say what it answers (one status for every request, or a queue of them)
and read back what it was sent. ``hold()`` keeps the next request open until
the test releases it, to catch a sender in the middle of a send. ``slow()``
makes it take its time (long enough, a sender's timeout), and ``clock`` stamps
when each request arrived and when it was answered; ``on_request`` runs as a
request is handled (a test advances its fake clock there instead of waiting).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Exchange:
    """One request: what came, when it arrived and when the peer answered it
    (for a request that timed out, when its late answer found nobody)."""

    body: dict
    arrived_at: datetime | None = None
    answered_at: datetime | None = None


PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")
# Long enough for any honest send, short enough that a broken test cannot hang.
HOLD_LIMIT_SECONDS = 10


@dataclass
class Peer:
    url: str = ""
    status: int = 200
    statuses: list[int] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    holding: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay: float = 0.0
    delays: list[float] = field(default_factory=list)
    closing: threading.Event = field(default_factory=threading.Event)
    clock: Callable[[], datetime] | None = None
    on_request: Callable[[], None] | None = None
    exchanges: list[Exchange] = field(default_factory=list)

    def answer(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, then with ``status``."""
        self.statuses = list(statuses)

    def slow(self, *seconds: float, then: float = 0.0) -> None:
        """Wait these many seconds before each next answer, then ``then`` each."""
        self.delays, self.delay = list(seconds), then

    def hold(self) -> None:
        """Keep requests open until ``release`` is set; ``arrived`` says one came."""
        self.arrived.clear()
        self.release.clear()
        self.holding = True

    def _next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else self.status

    def _next_delay(self) -> float:
        with self.lock:
            return self.delays.pop(0) if self.delays else self.delay

    def _now(self) -> datetime | None:
        return self.clock() if self.clock is not None else None

    def by_message(self) -> dict[int, Exchange]:
        """The exchanges by outbox message id (the webhook's ``id``)."""
        return {exchange.body["id"]: exchange for exchange in self.exchanges}


def _handler_for(peer: Peer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            exchange = Exchange(json.loads(body), arrived_at=peer._now())
            peer.received.append(exchange.body)
            peer.exchanges.append(exchange)
            # Taken in arrival order, even when a late answer comes after the next.
            status, delay = peer._next_status(), peer._next_delay()
            if peer.holding:
                peer.arrived.set()
                peer.release.wait(HOLD_LIMIT_SECONDS)
            if peer.on_request is not None:
                peer.on_request()
            # Wait on an event, not sleep, so teardown never waits out a delay.
            if delay:
                peer.closing.wait(min(delay, HOLD_LIMIT_SECONDS))
            exchange.answered_at = peer._now()
            payload = b'{"id": "peer"}'
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up; nobody to answer

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    return Handler


@contextmanager
def serve(monkeypatch) -> Iterator[Peer]:
    """Run a peer for the duration of the block (proxies switched off)."""
    for var in PROXY_VARS:
        # A proxy from the environment would route 127.0.0.1 off the machine.
        monkeypatch.delenv(var, raising=False)
    peer = Peer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(peer))
    host, port = server.server_address[:2]
    peer.url = f"http://{host}:{port}/hook"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield peer
    finally:
        peer.release.set()
        peer.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def webhook_channels(
    url: str, names=("sms", "wechat", "staff"), timeout: float = 3
) -> dict:
    """A MESSAGE_CHANNELS setting that posts every named channel to ``url``."""
    return {
        name: {
            "BACKEND": "clocks.channels.WebhookChannel",
            "OPTIONS": {"url": url, "secret": "test-secret", "timeout": timeout},
        }
        for name in names
    }


def closed_port_url() -> str:
    """A URL on which nothing listens: the gateway is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
