"""A real HTTP server on 127.0.0.1 standing in for an SMS or webhook gateway.

Tests say what it answers (one status for every request, or a queue of them)
and read back what it was sent. ``hold()`` keeps the next request open until
the test releases it, to catch a sender in the middle of a send.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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

    def answer(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, then with ``status``."""
        self.statuses = list(statuses)

    def hold(self) -> None:
        """Keep requests open until ``release`` is set; ``arrived`` says one came."""
        self.arrived.clear()
        self.release.clear()
        self.holding = True

    def _next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else self.status


def _handler_for(peer: Peer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            peer.received.append(json.loads(body))
            if peer.holding:
                peer.arrived.set()
                peer.release.wait(HOLD_LIMIT_SECONDS)
            status = peer._next_status()
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
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def webhook_channels(url: str, names=("sms", "wechat", "staff")) -> dict:
    """A MESSAGE_CHANNELS setting that posts every named channel to ``url``."""
    return {
        name: {
            "BACKEND": "followups.channels.WebhookChannel",
            "OPTIONS": {"url": url, "secret": "test-secret", "timeout": 3},
        }
        for name in names
    }


def closed_port_url() -> str:
    """A URL on which nothing listens: the gateway is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
