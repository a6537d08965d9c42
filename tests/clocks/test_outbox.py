"""The outbox: a message is a row written with the change that caused it,
delivered after commit over a real local HTTP gateway, retried with backoff.
"""

import threading
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from clocks import outbox
from clocks.models import (
    Clock,
    ClockKind,
    ClockState,
    Message,
    MessageStatus,
    SubjectType,
)
from clocks.sweep import clocks_sweep
from clocks.tasks import deliver_messages
from customers.models import Customer
from outlets.models import BusinessHours
from shipments.models import PickupRequest, PickupStatus, Shipment
from shipments.pickups.services import (
    pickup_accept,
    pickup_contact,
    pickup_enter,
    pickup_pick_up,
)

from ..conftest import NOON, SHANGHAI, make_customer, make_pickup
from .http_peer import closed_port_url, serve, webhook_channels

pytestmark = pytest.mark.django_db

TEXTS = {"zh-hans": "您的包裹在路上", "en": "Your parcel is on its way"}
THURSDAY = date(2026, 11, 19)


@pytest.fixture
def peer(monkeypatch, settings):
    """A live gateway on 127.0.0.1 serving the sms, wechat and staff channels."""
    with serve(monkeypatch) as running:
        settings.MESSAGE_CHANNELS = webhook_channels(running.url)
        yield running


def at(hour: int, minute: int = 0, *, on: date = date(2026, 11, 18)) -> datetime:
    return datetime.combine(on, time(hour, minute), tzinfo=SHANGHAI)


def after(minutes: float = 0, seconds: float = 0, *, start=NOON) -> datetime:
    return start + timedelta(minutes=minutes, seconds=seconds)


def picked_up(customer, courier, now: datetime = NOON) -> PickupRequest:
    pickup = pickup_accept(
        pickup=make_pickup(customer, now=now), courier=courier, now=now
    )
    pickup_contact(pickup=pickup, courier=courier, method="called", now=now)
    return pickup_pick_up(
        pickup=pickup,
        courier=courier,
        pieces=1,
        weight_kg=Decimal("2"),
        insurance="",
        now=now,
    )


def entry_clock(pickup: PickupRequest) -> Clock:
    return Clock.objects.get(
        subject_type=SubjectType.PICKUP,
        subject_id=pickup.pk,
        kind=ClockKind.PICKUP_ENTRY,
    )


def write(customer: Customer, *, now: datetime = NOON, key: str = "notice") -> Message:
    outbox.to_customer(
        customer=customer, template="progress_update", texts=TEXTS, key=key, now=now
    )
    return Message.objects.get(dedupe_key__startswith=f"{key}:")


def reloaded(message: Message) -> Message:
    message.refresh_from_db()
    return message


# --- Written with the change -------------------------------------------------


def test_entering_a_pickup_writes_the_customer_message_with_its_clock(
    customer_a, courier_a
):
    pickup = picked_up(customer_a, courier_a)

    pickup_enter(pickup=pickup, waybill="SF100", by=courier_a, now=after(10))

    message = Message.objects.get(template="pickup_entered")
    assert message.customer == customer_a
    assert message.clock == entry_clock(pickup)
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert message.next_attempt_at == after(10)


def test_message_is_rolled_back_with_the_change_that_wrote_it(customer_a, courier_a):
    pickup = picked_up(customer_a, courier_a)

    with pytest.raises(RuntimeError), transaction.atomic():
        pickup_enter(pickup=pickup, waybill="SF100", by=courier_a, now=after(10))
        raise RuntimeError("the request failed after the entry")

    assert not Message.objects.filter(template="pickup_entered").exists()
    assert not Shipment.objects.exists()
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.PICKED_UP


def test_the_same_message_written_twice_is_stored_once(customer_a):
    write(customer_a)
    write(customer_a, now=after(5))

    assert Message.objects.count() == 1


# --- Quiet hours -------------------------------------------------------------


def quiet(start: time, end: time) -> Customer:
    return Customer(quiet_hours_start=start, quiet_hours_end=end)


@pytest.mark.parametrize(
    ("written", "sent_from"),
    [
        (at(23, 0), at(8, 0, on=THURSDAY)),
        (at(22, 0), at(8, 0, on=THURSDAY)),
        (at(7, 59, on=THURSDAY), at(8, 0, on=THURSDAY)),
        (at(8, 0, on=THURSDAY), None),
        (at(21, 59), None),
    ],
)
def test_quiet_hours_across_midnight_hold_messages_until_they_end(written, sent_from):
    assert outbox.quiet_until(quiet(time(22), time(8)), written) == sent_from


def test_quiet_hours_within_a_day_hold_messages_until_they_end():
    lunch = quiet(time(12), time(14))

    assert outbox.quiet_until(lunch, at(13, 0)) == at(14, 0)
    assert outbox.quiet_until(lunch, at(14, 0)) is None


def test_customer_message_written_at_23_00_waits_until_08_00(outlet_a, courier_a):
    customer = make_customer(
        outlet_a, quiet_hours_start=time(22), quiet_hours_end=time(8)
    )
    pickup = picked_up(customer, courier_a, now=at(19, 0))

    pickup_enter(pickup=pickup, waybill="SF100", by=courier_a, now=at(23, 0))

    message = Message.objects.get(template="pickup_entered")
    assert message.next_attempt_at == at(8, 0, on=THURSDAY)
    assert message.created_at == at(23, 0)


def test_quiet_hours_delay_the_customer_but_not_staff_alerts_or_the_entry_clock(
    outlet_a, courier_a, manager_a, peer
):
    BusinessHours.objects.filter(outlet=outlet_a, weekday=2).update(closes=time(23, 30))
    customer = make_customer(
        outlet_a, quiet_hours_start=time(22), quiet_hours_end=time(8)
    )
    pickup = picked_up(customer, courier_a, now=at(22, 30))
    pickup_enter(pickup=pickup, waybill="SF100", by=courier_a, now=at(22, 45))

    assert clocks_sweep(now=at(23, 0)).breached == 1
    breach = Message.objects.get(template="clock_breach")
    assert (breach.staff, breach.customer) == (manager_a, customer)
    assert breach.next_attempt_at == at(23, 0)
    assert outbox.deliver_due(now=at(23, 0)) == 1
    assert [sent["template"] for sent in peer.received] == ["clock_breach"]

    assert outbox.deliver_due(now=at(8, 0, on=THURSDAY)) == 1
    clock = entry_clock(pickup)
    assert clock.state == ClockState.BREACHED
    assert clock.breached_at == at(23, 0)
    assert clock.met_at == at(8, 0, on=THURSDAY)


# --- Delivery over a webhook -------------------------------------------------


def test_delivered_message_is_marked_sent_and_meets_its_clock(
    customer_a, courier_a, peer
):
    pickup = picked_up(customer_a, courier_a)
    pickup_enter(pickup=pickup, waybill="SF100", by=courier_a, now=after(20))

    assert outbox.deliver_due(now=after(21)) == 1

    [sent] = peer.received
    message = Message.objects.get(template="pickup_entered")
    assert sent["id"] == message.pk
    assert sent["address"] == str(customer_a.phone)
    assert sent["dedupe_key"] == message.dedupe_key
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert message.sent_at == after(21)
    clock = entry_clock(pickup)
    assert (clock.state, clock.met_at) == (ClockState.MET, after(21))


def test_server_error_leaves_the_message_pending_for_30_seconds(customer_a, peer):
    peer.status = 500
    message = write(customer_a)

    outbox.deliver_due(now=NOON)

    message = reloaded(message)
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert message.next_attempt_at == after(seconds=30)
    assert message.last_error.startswith("HTTP 500")
    assert outbox.deliver_due(now=after(seconds=29)) == 0


def test_each_retry_waits_twice_as_long(customer_a, peer, settings):
    settings.MESSAGE_MAX_ATTEMPTS = 10
    peer.status = 503
    message = write(customer_a)
    now, waits = NOON, []

    for _ in range(4):
        assert outbox.deliver_due(now=now) == 1
        next_attempt = reloaded(message).next_attempt_at
        waits.append((next_attempt - now).total_seconds())
        now = next_attempt

    assert waits == [30, 60, 120, 240]
    assert len(peer.received) == 4


def test_message_is_dead_after_max_attempts(customer_a, peer, settings):
    settings.MESSAGE_MAX_ATTEMPTS = 3
    peer.status = 500
    message = write(customer_a)

    for now in (NOON, after(seconds=30), after(seconds=90)):
        outbox.deliver_due(now=now)

    message = reloaded(message)
    assert (message.status, message.attempts) == (MessageStatus.DEAD, 3)
    assert outbox.deliver_due(now=after(600)) == 0
    assert len(peer.received) == 3


def test_client_error_kills_the_message_at_once(customer_a, peer):
    peer.status = 400
    message = write(customer_a)

    outbox.deliver_due(now=NOON)

    message = reloaded(message)
    assert (message.status, message.attempts) == (MessageStatus.DEAD, 1)
    assert "HTTP 400" in message.last_error
    assert outbox.deliver_due(now=after(600)) == 0


def test_a_retry_that_succeeds_marks_the_message_sent(customer_a, peer):
    peer.answer(500)
    message = write(customer_a)

    outbox.deliver_due(now=NOON)
    outbox.deliver_due(now=after(seconds=30))

    message = reloaded(message)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert message.last_error == ""
    assert len(peer.received) == 2


def test_a_failed_delivery_does_not_meet_the_clock(customer_a, courier_a, peer):
    peer.status = 500
    pickup = picked_up(customer_a, courier_a)
    pickup_enter(pickup=pickup, waybill="SF100", by=courier_a, now=after(5))

    outbox.deliver_due(now=after(6))

    assert entry_clock(pickup).state == ClockState.RUNNING


def test_messages_are_delivered_after_commit_not_during_the_change(
    customer_a, courier_a, peer, django_capture_on_commit_callbacks
):
    pickup = picked_up(customer_a, courier_a)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pickup_enter(pickup=pickup, waybill="SF100", by=courier_a, now=after(5))

    assert callbacks
    assert peer.received == []
    assert outbox.deliver_due(now=after(6)) == 1
    assert len(peer.received) == 1


def test_a_channel_that_is_down_never_fails_the_change(
    customer_a, courier_a, settings, django_capture_on_commit_callbacks
):
    settings.MESSAGE_CHANNELS = webhook_channels(closed_port_url())
    pickup = picked_up(customer_a, courier_a)

    with django_capture_on_commit_callbacks(execute=True):
        shipment = pickup_enter(
            pickup=pickup, waybill="SF100", by=courier_a, now=after(5)
        )
    outbox.deliver_due(now=after(6))

    assert Shipment.objects.get() == shipment
    message = Message.objects.get(template="pickup_entered")
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert "ConnectionError" in message.last_error


def test_a_broker_outage_never_fails_the_change(
    customer_a, courier_a, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down():
        raise ConnectionError("redis is down")

    monkeypatch.setattr(deliver_messages, "delay", broker_down)
    pickup = picked_up(customer_a, courier_a)

    with django_capture_on_commit_callbacks(execute=True):
        pickup_enter(pickup=pickup, waybill="SF100", by=courier_a, now=after(5))

    assert Message.objects.get(template="pickup_entered").status == (
        MessageStatus.PENDING
    )


def test_deliver_messages_task_sends_every_due_message(customer_a, peer):
    past = timezone.now() - timedelta(minutes=1)
    for n in range(3):
        write(customer_a, now=past, key=f"notice-{n}")
    write(customer_a, now=timezone.now() + timedelta(hours=1), key="later")

    assert deliver_messages.apply().get() == 3

    assert len(peer.received) == 3
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 3
    assert Message.objects.get(dedupe_key__startswith="later:").status == (
        MessageStatus.PENDING
    )


def test_a_message_whose_worker_died_mid_send_is_retried_after_its_lease(
    customer_a, peer, monkeypatch
):
    message = write(customer_a)
    with monkeypatch.context() as patch:
        patch.setattr(outbox, "deliver", _worker_killed)
        with pytest.raises(SystemExit):
            outbox.deliver_due(now=NOON)

    assert reloaded(message).next_attempt_at == NOON + outbox.LEASE
    assert outbox.deliver_due(now=after(1)) == 0
    assert outbox.deliver_due(now=NOON + outbox.LEASE) == 1
    assert reloaded(message).status == MessageStatus.SENT
    assert len(peer.received) == 1


def _worker_killed(message, **_):
    raise SystemExit("worker killed")


def test_a_message_no_channel_can_take_does_not_hold_up_the_others(
    outlet_a, peer, settings
):
    settings.MESSAGE_CHANNELS = webhook_channels(peer.url, names=("sms", "staff"))
    on_wechat = make_customer(
        outlet_a, preferred_channel="wechat", wechat_openid="o-123"
    )
    by_sms = make_customer(outlet_a)
    write(on_wechat, now=NOON, key="first")
    write(by_sms, now=after(seconds=1), key="second")

    outbox.deliver_due(now=after(1))

    assert Message.objects.get(dedupe_key__startswith="second:").status == (
        MessageStatus.SENT
    )
    unsendable = Message.objects.get(dedupe_key__startswith="first:")
    assert "wechat" in unsendable.last_error
    # No request could be made, so none is counted.
    assert (unsendable.status, unsendable.attempts) == (MessageStatus.DEAD, 0)


# --- Two deliveries at once --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_message_being_sent_is_not_sent_again_by_a_concurrent_delivery(
    customer_a, peer
):
    message = write(customer_a)
    peer.hold()
    errors: list[BaseException] = []

    def first_worker() -> None:
        try:
            outbox.deliver_due(now=NOON)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=first_worker, daemon=True)
    worker.start()
    try:
        assert peer.arrived.wait(10), "the first worker never reached the gateway"
        second_attempts = [
            outbox.deliver_due(now=NOON),
            outbox.deliver_due(now=after(1)),
        ]
    finally:
        peer.release.set()
        worker.join(10)

    assert not worker.is_alive()
    assert errors == []
    assert second_attempts == [0, 0]
    assert len(peer.received) == 1
    message = reloaded(message)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
