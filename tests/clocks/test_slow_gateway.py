"""The outbox against a local gateway that answers slowly, fails or times out.

A delivery run must stop within its budget, count an attempt only for a request
actually made, release what it did not reach, and stamp every outcome with the
instant it happened. Most tests move a fake clock from inside the gateway
instead of waiting; two use real (sub-second) timeouts and the real soft limit.
"""

import signal
import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import Sum
from django.utils import timezone

from clocks import outbox
from clocks.models import Clock, ClockKind, ClockState, Message, MessageStatus
from clocks.tasks import deliver_messages
from shipments.models import MilestoneKind
from shipments.tracking.milestones import milestones_record_bulk

from ..conftest import NOON, make_shipment
from .http_peer import serve, webhook_channels

pytestmark = pytest.mark.django_db

TEXTS = {"zh-hans": "您的包裹在路上", "en": "Your parcel is on its way"}
TIMEOUT = 5  # the channel's timeout in the fake-clock tests (seconds)


class FakeClock:
    """An instant that moves only when told: the gateway moves it as it works."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


@pytest.fixture
def peer(monkeypatch, settings, clock):
    """A gateway that takes 4 s of the fake clock to answer each request."""
    with serve(monkeypatch) as running:
        running.clock = clock
        running.on_request = lambda: clock.advance(4)
        settings.MESSAGE_CHANNELS = webhook_channels(running.url, timeout=TIMEOUT)
        yield running


def write_due(customer, count: int, *, now: datetime = NOON) -> list[Message]:
    """``count`` messages due a minute before ``now``."""
    for n in range(count):
        outbox.to_customer(
            customer=customer,
            template="progress_update",
            texts=TEXTS,
            key=f"notice-{n}",
            now=now - timedelta(minutes=1),
        )
    return list(Message.objects.order_by("pk"))


def attempts_total() -> int:
    return Message.objects.aggregate(total=Sum("attempts"))["total"]


def unreached(peer) -> list[Message]:
    asked = peer.by_message()
    return [m for m in Message.objects.order_by("pk") if m.pk not in asked]


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


# --- The budget ----------------------------------------------------------------


def test_a_batch_stops_when_a_full_timeout_no_longer_fits_in_its_budget(
    customer_a, peer, clock
):
    write_due(customer_a, 10)

    # Sends start at 0, 4, 8 and 12 s; at 16 s a 5 s timeout would end past 20.
    tried = outbox.deliver_due(now=NOON, clock=clock, until=NOON + seconds(20))

    assert tried == len(peer.received) == 4
    assert attempts_total() == 4
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 4


def test_messages_a_batch_did_not_reach_are_released_with_no_attempt_counted(
    customer_a, peer, clock
):
    write_due(customer_a, 10)

    outbox.deliver_due(now=NOON, clock=clock, until=NOON + seconds(20))

    left = unreached(peer)
    assert len(left) == 6
    for message in left:
        assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
        assert message.next_attempt_at == NOON  # due again, not leased
        assert message.last_error == ""
    assert outbox.deliver_due(now=clock(), clock=clock) == 6
    assert Message.objects.filter(status=MessageStatus.SENT, attempts=1).count() == 10


def test_a_delivery_run_takes_batch_after_batch_until_its_budget_is_spent(
    customer_a, peer, clock
):
    write_due(customer_a, 7)

    # Batches of 2; sends at 0, 4 … 24 s fit a 30 s budget, the one at 28 does not.
    tried = outbox.deliver_all(clock=clock, budget_seconds=30, batch=2)

    assert tried == len(peer.received) == attempts_total() == 7
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 7


def test_a_delivery_run_stops_at_its_budget_and_leaves_the_rest_due(
    customer_a, peer, clock
):
    write_due(customer_a, 9)

    tried = outbox.deliver_all(clock=clock, budget_seconds=20, batch=3)

    assert tried == len(peer.received) == attempts_total() == 4
    assert clock() == NOON + seconds(16)
    left = unreached(peer)
    assert len(left) == 5
    assert {m.attempts for m in left} == {0}
    assert all(m.next_attempt_at <= clock() for m in left)


def test_a_message_dies_only_after_as_many_real_requests_as_the_limit(
    customer_a, peer, clock, settings
):
    settings.MESSAGE_MAX_ATTEMPTS = 3
    peer.status = 503
    write_due(customer_a, 2)

    # Each run has room for one send only; the other message is released.
    for _ in range(12):
        now = clock()
        outbox.deliver_due(now=now, clock=clock, until=now + seconds(TIMEOUT + 1))
        clock.advance(3600)

    requests = Counter(body["id"] for body in peer.received)
    for message in Message.objects.all():
        assert message.status == MessageStatus.DEAD
        assert message.attempts == requests[message.pk] == 3


def test_no_send_starts_that_could_outlast_the_messages_lease(customer_a, peer, clock):
    peer.on_request = lambda: clock.advance(50)
    write_due(customer_a, 5)

    # No budget given: sends at 0, 50 and 100 s end within the 120 s lease.
    tried = outbox.deliver_due(now=NOON, clock=clock)

    assert timedelta(minutes=2) == outbox.LEASE
    assert tried == len(peer.received) == attempts_total() == 3
    assert {m.attempts for m in unreached(peer)} == {0}


# --- Stamped when it happened --------------------------------------------------


def test_sent_at_and_the_push_clock_are_stamped_when_the_gateway_answered(
    customer_a, peer, clock
):
    shipment = make_shipment(customer_a, created_at=NOON - timedelta(hours=1))
    scan = {
        "waybill": shipment.waybill,
        "kind": MilestoneKind.PICKED_UP.value,
        "occurred_at": NOON - timedelta(minutes=5),
    }
    milestones_record_bulk([scan], now=NOON - timedelta(minutes=5))

    assert outbox.deliver_due(now=NOON, clock=clock) == 1

    [exchange] = peer.exchanges
    assert exchange.answered_at == NOON + seconds(4)
    message = Message.objects.get(clock__isnull=False)
    assert message.sent_at == exchange.answered_at
    push = Clock.objects.get(kind=ClockKind.MILESTONE_PUSH)
    assert (push.state, push.met_at) == (ClockState.MET, exchange.answered_at)


def test_a_failed_send_backs_off_30_seconds_from_the_instant_it_failed(
    customer_a, peer, clock
):
    peer.status = 500
    [message] = write_due(customer_a, 1)

    outbox.deliver_due(now=NOON, clock=clock)

    message.refresh_from_db()
    [exchange] = peer.exchanges
    assert message.next_attempt_at == exchange.answered_at + seconds(30)
    assert outbox.deliver_due(now=exchange.answered_at + seconds(29)) == 0


def test_later_sends_of_a_batch_are_stamped_later_than_the_claim(
    customer_a, peer, clock
):
    write_due(customer_a, 3)

    outbox.deliver_due(now=NOON, clock=clock)

    sent = {m.pk: m.sent_at for m in Message.objects.all()}
    answered = {pk: e.answered_at for pk, e in peer.by_message().items()}
    assert sent == answered
    assert sorted(sent.values()) == [NOON + seconds(n) for n in (4, 8, 12)]


# --- A real slow gateway, real timeouts, the real soft limit -------------------


@pytest.fixture
def live_peer(monkeypatch, settings):
    """A gateway on the wall clock; the channel gives up after 0.2 s."""
    with serve(monkeypatch) as running:
        running.clock = timezone.now
        settings.MESSAGE_CHANNELS = webhook_channels(running.url, timeout=0.2)
        yield running


def test_a_gateway_that_answers_slowly_then_times_out_keeps_the_run_in_budget(
    customer_a, live_peer, settings
):
    settings.MESSAGE_DELIVERY_BUDGET_SECONDS = 1.0
    live_peer.slow(0.05, 0.05, then=1.0)  # two slow answers, then time-outs
    started = timezone.now()
    write_due(customer_a, 12, now=started)

    tried = deliver_messages.apply().get()

    asked = live_peer.by_message()
    assert 0 < tried == len(live_peer.received) == attempts_total() < 12
    messages = list(Message.objects.all())
    assert not [m for m in messages if "SoftTimeLimitExceeded" in m.last_error]
    timed_out = [m for m in messages if "Timeout" in m.last_error]
    assert timed_out
    for message in timed_out:
        # 30 s from the failure, which came a full timeout after its send began.
        assert message.next_attempt_at >= started + seconds(30 + 0.2)
        assert message.next_attempt_at >= asked[message.pk].arrived_at + seconds(30)
    for message in messages:
        if message.status == MessageStatus.SENT:
            assert message.sent_at >= asked[message.pk].answered_at
    for message in unreached(live_peer):
        assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
        assert message.next_attempt_at <= timezone.now()


def _soft_limit(signum, frame):
    raise SoftTimeLimitExceeded()


def test_the_soft_time_limit_is_never_recorded_as_the_message_failure(
    customer_a, live_peer, settings
):
    settings.MESSAGE_CHANNELS = webhook_channels(live_peer.url, timeout=2)
    live_peer.slow(0, 1.5)  # the second send is still waiting at the limit
    write_due(customer_a, 4, now=timezone.now())
    task_thread = threading.main_thread().ident

    def limit_reached_while_second_send_waits() -> None:
        # How a Celery worker delivers its soft limit: a signal to the task.
        if len(live_peer.received) == 2:
            signal.pthread_kill(task_thread, signal.SIGALRM)

    live_peer.on_request = limit_reached_while_second_send_waits
    previous = signal.signal(signal.SIGALRM, _soft_limit)
    try:
        assert deliver_messages.apply().get() == 0
    finally:
        signal.signal(signal.SIGALRM, previous)

    messages = list(Message.objects.all())
    assert [m.last_error for m in messages] == [""] * 4
    assert len(live_peer.received) == attempts_total() == 2
    [interrupted] = [m for m in messages if m.pk == live_peer.received[1]["id"]]
    assert (interrupted.status, interrupted.attempts) == (MessageStatus.PENDING, 1)
    assert interrupted.next_attempt_at > timezone.now()  # its lease: it may be out
    left = unreached(live_peer)
    assert len(left) == 2
    for message in left:
        assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
        assert message.next_attempt_at <= timezone.now()
