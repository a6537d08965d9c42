"""Delivery channels: how one outbox message leaves the building.

The outbox worker hands a channel an :class:`Outgoing` and gets back a provider
reference, or a :class:`DeliveryError` that says whether retrying can help.
Which class serves "sms", "wechat" and "staff" is chosen in
``settings.MESSAGE_CHANNELS``, so a laptop logs and production posts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote_plus

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.module_loading import import_string

from lib.log_scrub import scrub

from .models import Message
from .texts import TEMPLATES

logger = logging.getLogger("outlet_crm.messages")

# Enough of a gateway's error body to diagnose from Message.last_error,
# not so much that one bad gateway fills the table.
_ERROR_BODY_CHARS = 200


class DeliveryError(Exception):
    """A send failed; ``permanent`` tells the outbox not to try again."""

    def __init__(
        self, message: str, *, permanent: bool = False, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status = status


@dataclass(frozen=True)
class Outgoing:
    """What a channel is given: plain values, no model, so it is easy to test."""

    message_id: int
    channel: str
    address: str
    template: str
    language: str
    text: str
    dedupe_key: str

    @classmethod
    def from_message(cls, message: Message) -> Outgoing:
        return cls(
            message_id=message.pk,
            channel=message.channel,
            address=message.address,
            template=message.template,
            language=message.language,
            text=message.text,
            dedupe_key=message.dedupe_key,
        )


@runtime_checkable
class Channel(Protocol):
    def send(self, outgoing: Outgoing) -> str:
        """Deliver, returning the provider's reference ("" if it gives none)."""
        ...


class ConsoleChannel:
    """Logs instead of sending: the default wherever no gateway is configured."""

    def __init__(self, **options: Any) -> None:
        # Accept and ignore the options real channels take (timeout...), so
        # settings can switch backends without reshaping OPTIONS.
        self.options = options
        # Logging never waits on a peer: no time needs keeping for it.
        self.timeout = 0.0

    def send(self, outgoing: Outgoing) -> str:
        # One line per message, so a multi-line text cannot forge log lines;
        # no phone number or progress-board token in it, whatever LOGGING says.
        text = outgoing.text.replace("\r", "").replace("\n", "\\n")
        logger.info(
            "%s to %s [%s] %s",
            outgoing.channel,
            scrub(outgoing.address),
            outgoing.template,
            scrub(text),
        )
        return "console"


class WebhookChannel:
    """POSTs signed JSON to a URL: a relay or the customer's own system."""

    def __init__(self, url: str, secret: str, timeout: float = 5.0) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def send(self, outgoing: Outgoing) -> str:
        body = _json_bytes(_webhook_payload(outgoing))
        headers = {
            "Content-Type": "application/json",
            "X-OutletCRM-Signature": "sha256=" + sign(body, self.secret),
            "X-OutletCRM-Timestamp": str(int(time.time())),
            # Lets the receiver drop the duplicate an at-least-once retry makes.
            "Idempotency-Key": outgoing.dedupe_key,
        }
        _post(self.url, body, headers, self.timeout)
        return ""


class SmsGatewayChannel:
    """POSTs to an HTTP SMS gateway with a bearer key.

    Chinese gateways (Aliyun, Tencent Cloud) send no free text: a registered
    signature (签名) and a template code per message kind, with the template's
    parameters. With ``templates`` (kind -> code) set, that is what is sent:
    the parameters are read back from the message's text with the kind's own
    template (``clocks.texts.TEMPLATES``), named (``TemplateParam``, Aliyun)
    and in order (``TemplateParamSet``, Tencent). Without ``templates`` the
    text goes as it is, for a relay that takes free text.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        sender: str = "",
        timeout: float = 5.0,
        signature: str = "",
        templates: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.api_key = api_key
        self.sender = sender
        self.timeout = timeout
        self.signature = signature
        self.templates = dict(templates or {})
        if self.templates and not signature:
            raise ImproperlyConfigured("SMS template codes need SMS_SIGNATURE.")

    def send(self, outgoing: Outgoing) -> str:
        payload = (
            self._template_payload(outgoing)
            if self.templates
            else {
                "to": outgoing.address,
                "text": outgoing.text,
                "sender": self.sender,
                "reference": outgoing.dedupe_key,
            }
        )
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.api_key}",
        }
        response = _post(self.url, _json_bytes(payload), headers, self.timeout)
        return _provider_id(response)

    def _template_payload(self, outgoing: Outgoing) -> dict[str, Any]:
        code = self.templates.get(outgoing.template)
        if not code:
            # Retrying cannot register a template: dead, with the reason.
            raise DeliveryError(
                f"no SMS template code for {outgoing.template!r}", permanent=True
            )
        params = template_params(outgoing.template, outgoing.language, outgoing.text)
        return {
            "PhoneNumbers": outgoing.address,
            "SignName": self.signature,
            "TemplateCode": code,
            "TemplateParam": json.dumps(params, ensure_ascii=False),
            "TemplateParamSet": list(params.values()),
            "OutId": outgoing.dedupe_key,
        }


def template_params(template: str, language: str, text: str) -> dict[str, str]:
    """The parameters ``text`` was rendered with, read back with its template."""
    if template not in TEMPLATES:
        raise DeliveryError(f"unknown message template {template!r}", permanent=True)
    with translation.override(language):
        pattern = _template_pattern(str(TEMPLATES[template]))
    found = pattern.fullmatch(text)
    if found is None:
        raise DeliveryError(
            f"text does not match template {template!r}", permanent=True
        )
    return found.groupdict()


def _template_pattern(fmt: str) -> re.Pattern:
    """``Dear %(customer)s, …`` -> a regex with a named group per placeholder."""
    parts, seen = [], set()
    for piece in re.split(r"(%\(\w+\)s|%%)", fmt):
        named = re.fullmatch(r"%\((\w+)\)s", piece)
        if piece == "%%":
            parts.append("%")
        elif named and named.group(1) in seen:
            parts.append(f"(?P={named.group(1)})")
        elif named:
            seen.add(named.group(1))
            parts.append(f"(?P<{named.group(1)}>.*?)")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts), re.DOTALL)


class _RobotChannel:
    """A WeCom or DingTalk group robot: staff alerts in the robot's own format.

    The robot answers 200 with ``errcode``; 0 is sent, a rate limit is worth a
    retry, anything else (a bad key, a blocked keyword) is not.
    """

    rate_limited: frozenset[int] = frozenset()

    def __init__(self, url: str, secret: str = "", timeout: float = 5.0) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def send(self, outgoing: Outgoing) -> str:
        body = _json_bytes(self.payload(outgoing))
        headers = {"Content-Type": "application/json"}
        response = _post(self.signed_url(), body, headers, self.timeout)
        self._check(response)
        return ""

    def payload(self, outgoing: Outgoing) -> dict[str, Any]:
        raise NotImplementedError

    def signed_url(self) -> str:
        return self.url

    def _check(self, response: requests.Response) -> None:
        try:
            data = response.json()
        except ValueError:
            return
        code = data.get("errcode", 0) if isinstance(data, dict) else 0
        if code:
            reason = str(data.get("errmsg", ""))[:_ERROR_BODY_CHARS]
            raise DeliveryError(
                f"robot errcode {code}: {reason}",
                permanent=code not in self.rate_limited,
            )


def _mobiles(address: str) -> list[str]:
    """The staff member's mobile to @-mention, when the address is one."""
    digits = address.removeprefix("+86")
    return [digits] if digits.isdigit() and len(digits) == 11 else []


class WeComRobotChannel(_RobotChannel):
    """企业微信群机器人: the key is in the webhook URL."""

    rate_limited = frozenset({45009})

    def payload(self, outgoing: Outgoing) -> dict[str, Any]:
        text: dict[str, Any] = {"content": outgoing.text}
        if mobiles := _mobiles(outgoing.address):
            text["mentioned_mobile_list"] = mobiles
        return {"msgtype": "text", "text": text}


class DingTalkRobotChannel(_RobotChannel):
    """钉钉群机器人: with a secret (加签), each URL carries a timestamp and sign."""

    rate_limited = frozenset({130101})

    def payload(self, outgoing: Outgoing) -> dict[str, Any]:
        mobiles = _mobiles(outgoing.address)
        return {
            "msgtype": "text",
            "text": {"content": outgoing.text},
            "at": {"atMobiles": mobiles, "isAtAll": False},
        }

    def signed_url(self) -> str:
        if not self.secret:
            return self.url
        stamp = str(int(time.time() * 1000))
        sign = dingtalk_sign(stamp, self.secret)
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}timestamp={stamp}&sign={quote_plus(sign)}"


def dingtalk_sign(timestamp: str, secret: str) -> str:
    """Base64 HMAC-SHA256 of "timestamp\\nsecret", keyed by the secret."""
    digest = hmac.new(
        secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def get_channel(name: str) -> Channel:
    """Build the channel configured as ``settings.MESSAGE_CHANNELS[name]``."""
    # Read settings per call, not at import, so tests and overrides apply.
    config = getattr(settings, "MESSAGE_CHANNELS", {}).get(name)
    if config is None:
        raise ImproperlyConfigured(f"No message channel {name!r} in MESSAGE_CHANNELS.")
    try:
        backend = import_string(config["BACKEND"])
    except (KeyError, ImportError) as exc:
        raise ImproperlyConfigured(
            f"MESSAGE_CHANNELS[{name!r}] has no importable BACKEND: {exc}"
        ) from exc
    return backend(**config.get("OPTIONS", {}))


def sign(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of the raw body: what a receiver recomputes to verify."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _webhook_payload(outgoing: Outgoing) -> dict[str, Any]:
    payload = asdict(outgoing)
    payload["id"] = payload.pop("message_id")
    return payload


def _json_bytes(payload: dict[str, Any]) -> bytes:
    # Readable Chinese on the wire; the signature covers exactly these bytes.
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _post(
    url: str, body: bytes, headers: dict[str, str], timeout: float
) -> requests.Response:
    try:
        # No redirects: following one would turn the POST into a GET and
        # could carry the credentials to another host.
        response = requests.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as exc:
        # Timeouts and refused connections: the gateway may be back soon.
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise _status_error(response)
    return response


def _status_error(response: requests.Response) -> DeliveryError:
    status = response.status_code
    # 5xx and 429 are the gateway's trouble or its rate limit: retry later.
    # Any other answer (a 4xx, an unexpected redirect) will not change by
    # itself, so retrying only repeats it.
    transient = status >= 500 or status == 429
    return DeliveryError(
        f"HTTP {status}: {response.text[:_ERROR_BODY_CHARS]}",
        permanent=not transient,
        status=status,
    )


def _provider_id(response: requests.Response) -> str:
    # The gateway has accepted the message; an odd body must not make the
    # outbox retry and send the SMS twice, so it just yields no reference.
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict) and data.get("id") is not None:
        return str(data["id"])
    return ""
