"""The outbox: messages are rows written with the change that caused them.

Delivery happens after commit (a task per commit, and a beat sweep for any row
left behind). A send is claimed with a lease so a worker that dies mid-send
only delays the message; the channel gets the dedupe key as an idempotency key.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from customers.models import Channel, Customer
from outlets.models import Staff

from .channels import DeliveryError, Outgoing, get_channel
from .claim import claim
from .inserts import insert_new
from .models import Clock, Message, MessageChannel, MessageStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)


def customer_address(customer: Customer) -> tuple[str, str]:
    """The channel and address a customer is reached on.

    Customers who prefer a phone call still get automatic notices by SMS.
    """
    if customer.preferred_channel == Channel.WECHAT and customer.wechat_openid:
        return MessageChannel.WECHAT, customer.wechat_openid
    return MessageChannel.SMS, str(customer.phone)


def quiet_until(customer: Customer, now: datetime) -> datetime | None:
    """The end of the customer's quiet hours if ``now`` falls inside them."""
    start, end = customer.quiet_hours_start, customer.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(now)
    at = local.time()
    inside = start <= at < end if start < end else (at >= start or at < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return until if until > local else until + timedelta(days=1)


MESSAGE_FIELDS = [
    "outlet_id",
    "customer_id",
    "staff_id",
    "clock_id",
    "channel",
    "address",
    "template",
    "language",
    "text_zh",
    "text_en",
    "dedupe_key",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "last_error",
]


class ToCustomer(NamedTuple):
    """A message for a customer, before the outbox works out how to reach them."""

    customer: Customer
    template: str
    texts: dict[str, str]
    key: str
    clock_id: int | None = None


def to_customer(
    *,
    customer: Customer,
    template: str,
    texts: dict[str, str],
    key: str,
    now: datetime,
    clock: Clock | None = None,
) -> Message:
    """Write a message to a customer; quiet hours postpone it, nothing else."""
    [row] = customer_rows(
        [ToCustomer(customer, template, texts, key, clock and clock.pk)], now=now
    )
    write_rows([row])
    return Message(**dict(zip(MESSAGE_FIELDS, row, strict=True)))


def to_customers(messages: Iterable[ToCustomer], *, now: datetime) -> None:
    """Write many customers' messages in one statement."""
    write_rows(customer_rows(messages, now=now))


def customer_rows(messages: Iterable[ToCustomer], *, now: datetime) -> list[tuple]:
    """The outbox rows (``MESSAGE_FIELDS``) of messages to customers.

    Channel, address and quiet hours are worked out once per customer: a batch
    holds many messages to the same customers, and formatting a phone number
    costs more than the rest of a row.
    """
    reach = {}
    rows = []
    for message in messages:
        customer = message.customer
        if customer.pk not in reach:
            reach[customer.pk] = _reach(customer, now)
        channel, address, not_before = reach[customer.pk]
        rows.append(
            (
                customer.outlet_id,
                customer.pk,
                None,
                message.clock_id,
                channel,
                address,
                message.template,
                customer.language,
                message.texts["zh-hans"],
                message.texts["en"],
                f"{message.key}:{channel}:{address}"[:200],
                MessageStatus.PENDING,
                0,
                not_before,
                now,
                "",
            )
        )
    return rows


def _reach(customer: Customer, now: datetime) -> tuple[str, str, datetime]:
    channel, address = customer_address(customer)
    return channel, address, quiet_until(customer, now) or now


def staff_row(
    *,
    staff: Staff,
    outlet_id: int,
    template: str,
    texts: dict[str, str],
    key: str,
    now: datetime,
    customer_id: int | None = None,
) -> tuple:
    """The outbox row (``MESSAGE_FIELDS``) of a staff alert; quiet hours don't apply."""
    return (
        outlet_id,
        customer_id,
        staff.pk,
        None,
        MessageChannel.STAFF,
        staff.phone or staff.username,
        template,
        settings.LANGUAGE_CODE,
        texts["zh-hans"],
        texts["en"],
        f"{key}:staff:{staff.pk}"[:200],
        MessageStatus.PENDING,
        0,
        now,
        now,
        "",
    )


def write_rows(rows: list[tuple]) -> None:
    """Insert in one statement, skip dedupe keys already written, deliver on commit."""
    if rows:
        insert_new(Message, MESSAGE_FIELDS, rows, ["id"])
        enqueue_delivery_on_commit()


def enqueue_delivery_on_commit() -> None:
    transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    from .tasks import deliver_messages

    try:
        deliver_messages.delay()
    except Exception:  # noqa: BLE001 - a broker outage must not fail the change
        log.warning(
            "could not enqueue delivery; the beat sweep will send it", exc_info=True
        )


def deliver_due(*, now: datetime, batch: int = 50) -> int:
    """Send up to ``batch`` due messages; return how many were attempted."""
    with transaction.atomic():
        keys = claim(
            Message.objects.filter(
                status=MessageStatus.PENDING, next_attempt_at__lte=now
            ),
            order_by="next_attempt_at",
            batch=batch,
            changes={"next_attempt_at": now + LEASE, "attempts": F("attempts") + 1},
        )
    for message in Message.objects.filter(pk__in=keys).select_related("clock"):
        deliver(message, now=now)
    return len(keys)


def deliver(message: Message, *, now: datetime) -> None:
    """Hand one claimed message to its channel and record the outcome."""
    try:
        get_channel(message.channel).send(Outgoing.from_message(message))
    except DeliveryError as error:
        _record_failure(message, error, now=now)
        return
    except Exception as error:  # noqa: BLE001 - one bad row must not stop the batch
        log.exception("message %s: channel %s crashed", message.pk, message.channel)
        permanent = isinstance(error, ImproperlyConfigured)
        _record_failure(
            message, DeliveryError(str(error), permanent=permanent), now=now
        )
        return
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENT, sent_at=now, last_error=""
        )
        if message.clock_id:
            from .clocks import clock_meet

            clock_meet(clock=message.clock, now=now)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _record_failure(message: Message, error: DeliveryError, *, now: datetime) -> None:
    dead = error.permanent or message.attempts >= settings.MESSAGE_MAX_ATTEMPTS
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.DEAD if dead else MessageStatus.PENDING,
        next_attempt_at=now + backoff(message.attempts),
        last_error=str(error)[:2000],
    )
    log.warning(
        "message %s failed (attempt %s, dead=%s): %s",
        message.pk,
        message.attempts,
        dead,
        error,
    )
