"""The outbox: messages are rows written with the change that caused them.

Delivery happens after commit (a task per commit, and a beat sweep for any row
left behind). A send is claimed with a lease so a worker that dies mid-send
only delays the message; the channel gets the dedupe key as an idempotency key.
A delivery run keeps to a time budget, counts an attempt only when it makes the
request, releases what it did not reach, and stamps each outcome (sent, failed,
clock met) with the instant it happened, not the instant the batch was claimed.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from customers.models import Channel, Customer
from lib.claim import claim
from lib.inserts import insert_new
from outlets.models import Staff

from .channels import Channel as ChannelBackend
from .channels import DeliveryError, Outgoing, get_channel
from .models import Clock, Message, MessageChannel, MessageStatus
from .services import clock_meet
from .tasks import deliver_messages

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
# A message whose delivery crashes outside the channel is set aside this long.
PARK = timedelta(minutes=5)
# Reads the current instant: timezone.now in the task, a fake clock in tests.
Now = Callable[[], datetime]


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


class MessageRow(NamedTuple):
    """An outbox row as one INSERT writes it; the field order is the column list."""

    outlet_id: int
    customer_id: int | None
    staff_id: int | None
    clock_id: int | None
    channel: str
    address: str
    template: str
    language: str
    text_zh: str
    text_en: str
    dedupe_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str = ""


# The columns of a MessageRow, in order: a statement built by hand
# (an INSERT … SELECT) lists its columns from it.
MESSAGE_FIELDS = MessageRow._fields


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
        [ToCustomer(customer, template, texts, key, clock.pk if clock else None)],
        now=now,
    )
    write_rows([row])
    return Message(**row._asdict())


def to_customers(messages: Iterable[ToCustomer], *, now: datetime) -> None:
    """Write many customers' messages in one statement."""
    write_rows(customer_rows(messages, now=now))


def customer_rows(messages: Iterable[ToCustomer], *, now: datetime) -> list[MessageRow]:
    """The outbox rows of messages to customers.

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
            MessageRow(
                outlet_id=customer.outlet_id,
                customer_id=customer.pk,
                staff_id=None,
                clock_id=message.clock_id,
                channel=channel,
                address=address,
                template=message.template,
                language=customer.language,
                text_zh=message.texts["zh-hans"],
                text_en=message.texts["en"],
                dedupe_key=f"{message.key}:{channel}:{address}"[:200],
                status=MessageStatus.PENDING,
                attempts=0,
                next_attempt_at=not_before,
                created_at=now,
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
) -> MessageRow:
    """The outbox row of a staff alert; quiet hours don't apply."""
    return MessageRow(
        outlet_id=outlet_id,
        customer_id=customer_id,
        staff_id=staff.pk,
        clock_id=None,
        channel=MessageChannel.STAFF,
        address=staff.phone or staff.username,
        template=template,
        language=settings.LANGUAGE_CODE,
        text_zh=texts["zh-hans"],
        text_en=texts["en"],
        dedupe_key=f"{key}:staff:{staff.pk}"[:200],
        status=MessageStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def write_rows(rows: list[MessageRow]) -> None:
    """Insert in one statement, skip dedupe keys already written, deliver on commit."""
    if rows:
        insert_new(Message, MessageRow._fields, rows, ["id"])
        enqueue_delivery_on_commit()


def enqueue_delivery_on_commit() -> None:
    transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    try:
        deliver_messages.delay()
    except Exception:  # noqa: BLE001 - a broker outage must not fail the change
        log.warning(
            "could not enqueue delivery; the beat sweep will send it", exc_info=True
        )


class Batch(NamedTuple):
    reached: int  # handed to their channel
    released: int  # claimed, but the budget ran out before their turn


def deliver_due(
    *,
    now: datetime,
    batch: int = 50,
    clock: Now | None = None,
    until: datetime | None = None,
) -> int:
    """Send up to ``batch`` messages due at ``now``; return how many were tried.

    ``clock`` reads the instant each outcome happened (sent, failed, clock met);
    without it every stamp is ``now``, a test's fixed instant. With ``until``
    a send starts only while one full channel timeout still fits before it.
    """
    clock = clock or (lambda: now)
    return _deliver_batch(now=now, batch=batch, clock=clock, until=until).reached


def deliver_all(*, clock: Now, budget_seconds: float, batch: int = 50) -> int:
    """Deliver batch after batch until none is due or the budget is spent.

    What the budget did not reach is released, due again for the next run.
    """
    until = clock() + timedelta(seconds=budget_seconds)
    total = 0
    while clock() < until:
        done = _deliver_batch(now=clock(), batch=batch, clock=clock, until=until)
        total += done.reached
        if done.released or done.reached < batch:
            break
    return total


def _deliver_batch(
    *, now: datetime, batch: int, clock: Now, until: datetime | None
) -> Batch:
    """1. Claim up to ``batch`` due messages with a lease; no attempt counted yet.
    2. Before each send, stop if one full timeout no longer fits before ``until``
       (or before the lease ends).
    3. Release (due at ``now`` again, attempts unchanged) every message not reached,
       also when the task's soft time limit interrupts the batch.
    """
    messages = _claim_due(now=now, batch=batch)
    # No send may outlast the lease: another worker could claim it then.
    until = min(until, now + LEASE) if until else now + LEASE
    reached = 0
    try:
        for message in messages:
            channel = _channel_or_none(message.channel)
            if clock() + _timeout(channel) > until:
                break
            reached += 1
            _deliver_or_park(message, clock=clock, channel=channel)
    except SoftTimeLimitExceeded:
        # The interrupted message keeps its lease: the gateway may have it.
        _release(messages[reached:], now=now)
        raise
    return Batch(reached, _release(messages[reached:], now=now))


def _deliver_or_park(
    message: Message, *, clock: Now, channel: ChannelBackend | None
) -> None:
    """``deliver``, but a crash recording the outcome parks this message only.

    ``deliver`` already records a channel's own failures; what is left (the
    outcome's write, the clock it meets) would otherwise end the batch, and
    the next run would claim the same message first again. The log names the
    message and the error's type only: its text may hold an address.
    """
    try:
        deliver(message, clock=clock, channel=channel)
    except SoftTimeLimitExceeded:
        raise
    except Exception as error:  # noqa: BLE001 - one bad row must not stop the batch
        until = clock() + PARK
        Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
            next_attempt_at=until
        )
        log.error(
            "message %s: delivery crashed (%s); parked for %s",
            message.pk,
            type(error).__name__,
            PARK,
        )


def _claim_due(*, now: datetime, batch: int) -> list[Message]:
    """Lease up to ``batch`` due messages, in due order."""
    with transaction.atomic():
        keys = claim(
            Message.objects.filter(
                status=MessageStatus.PENDING, next_attempt_at__lte=now
            ),
            order_by="next_attempt_at",
            batch=batch,
            changes={"next_attempt_at": now + LEASE},
        )
    loaded = Message.objects.select_related("clock").in_bulk(keys)
    return [loaded[pk] for pk in keys]


def _release(messages: list[Message], *, now: datetime) -> int:
    if messages:
        Message.objects.filter(
            pk__in=[m.pk for m in messages], status=MessageStatus.PENDING
        ).update(next_attempt_at=now)
        log.info(
            "released %s messages the delivery budget did not reach", len(messages)
        )
    return len(messages)


def _channel_or_none(name: str) -> ChannelBackend | None:
    """The channel, or None when it is misconfigured (``deliver`` records why)."""
    try:
        return get_channel(name)
    except ImproperlyConfigured:
        return None


def _timeout(channel: ChannelBackend | None) -> timedelta:
    seconds = getattr(channel, "timeout", settings.MESSAGE_TIMEOUT_SECONDS)
    return timedelta(seconds=seconds if channel is not None else 0)


def deliver(
    message: Message, *, clock: Now, channel: ChannelBackend | None = None
) -> None:
    """Hand one claimed message to its channel and record the outcome.

    The attempt is counted with the outcome, in the one write a send costs,
    and both are stamped by ``clock`` read after the send. A worker killed
    mid-send leaves it uncounted; its lease brings the message back.
    """
    try:
        channel = channel or get_channel(message.channel)
    except ImproperlyConfigured as error:
        # No request can be made: dead at once, with no attempt counted.
        failure = DeliveryError(str(error), permanent=True)
        _record_failure(message, failure, at=clock(), attempted=False)
        return
    message.attempts += 1
    try:
        channel.send(Outgoing.from_message(message))
    except SoftTimeLimitExceeded:
        # The task's time is up, not this message's: the request was made, so
        # it counts, with no error and its lease kept (the gateway may have it).
        Message.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1)
        raise
    except DeliveryError as error:
        _record_failure(message, error, at=clock())
        return
    except Exception as error:  # noqa: BLE001 - one bad row must not stop the batch
        log.exception("message %s: channel %s crashed", message.pk, message.channel)
        permanent = isinstance(error, ImproperlyConfigured)
        failure = DeliveryError(str(error), permanent=permanent)
        _record_failure(message, failure, at=clock())
        return
    message_sent(message=message, at=clock())


def message_sent(*, message: Message, at: datetime) -> None:
    """Record that ``message`` reached its channel at ``at``; meet its clock.

    Delivery calls it after a send; the demo calls it for notices it treats
    as sent in the past.
    """
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENT,
            attempts=F("attempts") + 1,
            sent_at=at,
            last_error="",
        )
        if message.clock is not None:
            # Met when the gateway confirmed, not when the batch was claimed.
            clock_meet(clock=message.clock, now=at)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _record_failure(
    message: Message, error: DeliveryError, *, at: datetime, attempted: bool = True
) -> None:
    """Backoff runs from ``at``, the instant the send failed."""
    dead = error.permanent or message.attempts >= settings.MESSAGE_MAX_ATTEMPTS
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.DEAD if dead else MessageStatus.PENDING,
        attempts=F("attempts") + int(attempted),
        next_attempt_at=at + backoff(message.attempts),
        last_error=str(error)[:2000],
    )
    log.warning(
        "message %s failed (attempt %s, dead=%s): %s",
        message.pk,
        message.attempts,
        dead,
        error,
    )
