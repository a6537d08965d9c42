"""Delivery channels against a real HTTP server on 127.0.0.1.

Nothing here leaves the machine and nothing touches the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from clocks.channels import (
    Channel,
    ConsoleChannel,
    DeliveryError,
    Outgoing,
    SmsGatewayChannel,
    WebhookChannel,
    get_channel,
)

SECRET = "s3cret"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class FakeGateway:
    """What the server answers next, and everything it was sent."""

    url: str = ""
    status: int = 200
    response: dict = field(default_factory=dict)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def _handler_for(gateway: FakeGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            gateway.requests.append(Received(self.path, dict(self.headers), body))
            # Wait on an event, not sleep, so teardown never waits out a delay.
            if gateway.delay:
                gateway.stop.wait(gateway.delay)
            payload = json.dumps(gateway.response).encode()
            try:
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (the timeout test); nobody to answer

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    return Handler


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGateway]:
    for var in PROXY_VARS:
        # A proxy from the environment would route 127.0.0.1 off the machine.
        monkeypatch.delenv(var, raising=False)
    state = FakeGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    host, port = server.server_address[:2]
    state.url = f"http://{host}:{port}/hook"
    # A short poll interval keeps shutdown() from adding 0.5 s to every test.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    yield state
    state.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def outgoing() -> Outgoing:
    return Outgoing(
        message_id=42,
        channel="wechat",
        address="13800138000",
        template="pickup_ready",
        language="zh-hans",
        text="您的包裹已到网点，请凭取件码 8821 取件。",
        dedupe_key="pickup:42:ready",
    )


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


# --- Webhook --------------------------------------------------------------


def test_webhook_posts_message_as_json(gateway, outgoing):
    WebhookChannel(gateway.url, SECRET).send(outgoing)

    [received] = gateway.requests
    assert received.path == "/hook"
    assert received.headers["Content-Type"] == "application/json"
    assert received.json() == {
        "id": 42,
        "channel": "wechat",
        "address": "13800138000",
        "template": "pickup_ready",
        "language": "zh-hans",
        "text": "您的包裹已到网点，请凭取件码 8821 取件。",
        "dedupe_key": "pickup:42:ready",
    }


def test_webhook_signature_verifies_against_raw_body(gateway, outgoing):
    WebhookChannel(gateway.url, SECRET).send(outgoing)

    [received] = gateway.requests
    expected = hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(
        received.headers["X-OutletCRM-Signature"], f"sha256={expected}"
    )
    assert received.headers["X-OutletCRM-Timestamp"].isdigit()


def test_webhook_signature_fails_with_another_secret(gateway, outgoing):
    WebhookChannel(gateway.url, SECRET).send(outgoing)

    [received] = gateway.requests
    forged = hmac.new(b"wrong", received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-OutletCRM-Signature"] != f"sha256={forged}"


def test_webhook_sends_dedupe_key_as_idempotency_key(gateway, outgoing):
    WebhookChannel(gateway.url, SECRET).send(outgoing)

    assert gateway.requests[0].headers["Idempotency-Key"] == "pickup:42:ready"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_error_or_rate_limit_is_transient(gateway, outgoing, status):
    gateway.status = status

    with pytest.raises(DeliveryError) as caught:
        WebhookChannel(gateway.url, SECRET).send(outgoing)

    assert caught.value.permanent is False
    assert caught.value.status == status


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_error_is_permanent(gateway, outgoing, status):
    gateway.status = status

    with pytest.raises(DeliveryError) as caught:
        WebhookChannel(gateway.url, SECRET).send(outgoing)

    assert caught.value.permanent is True


def test_redirect_is_not_followed_and_is_permanent(gateway, outgoing):
    gateway.status = 302

    with pytest.raises(DeliveryError) as caught:
        WebhookChannel(gateway.url, SECRET).send(outgoing)

    assert caught.value.permanent is True
    assert len(gateway.requests) == 1


def test_error_message_carries_status_and_gateway_reply(gateway, outgoing):
    gateway.status = 400
    gateway.response = {"error": "bad address"}

    with pytest.raises(DeliveryError, match=r"HTTP 400.*bad address"):
        WebhookChannel(gateway.url, SECRET).send(outgoing)


def test_slow_gateway_times_out_as_transient(gateway, outgoing):
    gateway.delay = 1.0

    with pytest.raises(DeliveryError) as caught:
        WebhookChannel(gateway.url, SECRET, timeout=0.2).send(outgoing)

    assert caught.value.permanent is False
    assert "Timeout" in str(caught.value)


def test_refused_connection_is_transient(outgoing):
    with pytest.raises(DeliveryError) as caught:
        WebhookChannel(closed_port_url(), SECRET, timeout=0.5).send(outgoing)

    assert caught.value.permanent is False


# --- SMS gateway ----------------------------------------------------------


def test_sms_gateway_sends_bearer_key_and_returns_gateway_id(gateway, outgoing):
    gateway.response = {"id": "gw-123", "status": "queued"}
    channel = SmsGatewayChannel(gateway.url, api_key="k-1", sender="OUTLET")

    reference = channel.send(outgoing)

    assert reference == "gw-123"
    [received] = gateway.requests
    assert received.headers["Authorization"] == "Bearer k-1"
    assert received.json() == {
        "to": "13800138000",
        "text": "您的包裹已到网点，请凭取件码 8821 取件。",
        "sender": "OUTLET",
        "reference": "pickup:42:ready",
    }


def test_sms_gateway_without_id_returns_empty_reference(gateway, outgoing):
    gateway.response = {"status": "queued"}

    assert SmsGatewayChannel(gateway.url, api_key="k-1").send(outgoing) == ""


def test_sms_gateway_rejecting_key_is_permanent(gateway, outgoing):
    gateway.status = 401

    with pytest.raises(DeliveryError) as caught:
        SmsGatewayChannel(gateway.url, api_key="bad").send(outgoing)

    assert caught.value.permanent is True


# --- Console --------------------------------------------------------------


def test_console_channel_logs_one_line_and_sends_nothing(caplog, outgoing):
    with caplog.at_level(logging.INFO, logger="outlet_crm.messages"):
        reference = ConsoleChannel(timeout=5).send(outgoing)

    assert reference == "console"
    [record] = caplog.records
    assert record.name == "outlet_crm.messages"
    assert record.levelno == logging.INFO
    line = record.getMessage()
    for part in ("wechat", "138****8000", "pickup_ready", "取件码 8821"):
        assert part in line
    assert "13800138000" not in line


def test_console_channel_keeps_multiline_text_on_one_line(caplog, outgoing):
    two_lines = Outgoing(**{**outgoing.__dict__, "text": "first\nsecond"})

    with caplog.at_level(logging.INFO, logger="outlet_crm.messages"):
        ConsoleChannel().send(two_lines)

    assert "\n" not in caplog.records[0].getMessage()


# --- get_channel ----------------------------------------------------------


def test_get_channel_builds_configured_backend(settings, gateway, outgoing):
    settings.MESSAGE_CHANNELS = {
        "staff": {
            "BACKEND": "clocks.channels.WebhookChannel",
            "OPTIONS": {"url": gateway.url, "secret": SECRET, "timeout": 2},
        }
    }

    channel = get_channel("staff")
    channel.send(outgoing)

    assert isinstance(channel, WebhookChannel)
    assert isinstance(channel, Channel)
    assert len(gateway.requests) == 1


def test_get_channel_reads_settings_at_call_time(settings):
    settings.MESSAGE_CHANNELS = {"sms": {"BACKEND": "clocks.channels.ConsoleChannel"}}

    assert isinstance(get_channel("sms"), ConsoleChannel)


def test_get_channel_rejects_unknown_name(settings):
    settings.MESSAGE_CHANNELS = {"sms": {"BACKEND": "clocks.channels.ConsoleChannel"}}

    with pytest.raises(ImproperlyConfigured, match="fax"):
        get_channel("fax")


def test_get_channel_rejects_unimportable_backend(settings):
    settings.MESSAGE_CHANNELS = {"sms": {"BACKEND": "clocks.channels.Pigeon"}}

    with pytest.raises(ImproperlyConfigured, match="sms"):
        get_channel("sms")
