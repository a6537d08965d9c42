"""One bad row never stops a claimed batch: the sweep and the outbox retry a
failed batch row by row and park the row that fails again (its due column
pushed forward, logged at ERROR with its id only), so every other breach,
escalation, warning and message goes out.
"""

import logging
from datetime import timedelta

import pytest

from clocks import outbox, sweep
from clocks.models import (
    Clock,
    ClockKind,
    ClockState,
    Message,
    MessageStatus,
    SubjectType,
)
from clocks.services import clock_start
from clocks.sweep import PARK, clocks_sweep
from customers.models import Customer
from tests.conftest import NOON, make_customer

pytestmark = pytest.mark.django_db

BAD_NAME = "王芳 13800000009"


@pytest.fixture
def bad_customer(outlet_a) -> Customer:
    return make_customer(outlet_a, name=BAD_NAME)


def response_clock(customer: Customer, subject_id: int) -> Clock:
    """A problem-response clock (10 calendar minutes) started at NOON."""
    return clock_start(
        kind=ClockKind.PROBLEM_RESPONSE,
        subject_type=SubjectType.PROBLEM,
        subject_id=subject_id,
        customer=customer,
        responsible=None,
        now=NOON,
    )


def renderer_failing_for(name: str):
    """The real renderer, except that a text naming ``name`` raises, with the
    name in the error (so a log line that printed the error would leak it)."""
    real = sweep.renderer

    def renderer(template, labels=None):
        render = real(template, labels)

        def failing(context):
            if context["customer"] == name:
                raise ValueError(f"cannot render {name}")
            return render(context)

        return failing

    return renderer


def notices(clock: Clock, template: str) -> int:
    return Message.objects.filter(
        dedupe_key__startswith=f"clock:{clock.pk}:{template}:"
    ).count()


def errors_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]


def test_a_clock_whose_breach_fails_is_parked_and_the_others_are_breached_and_notified(
    customer_a, bad_customer, manager_a, monkeypatch, caplog
):
    first, bad, last = (
        response_clock(customer_a, 1),
        response_clock(bad_customer, 2),
        response_clock(customer_a, 3),
    )
    monkeypatch.setattr(sweep, "renderer", renderer_failing_for(BAD_NAME))
    now = NOON + timedelta(minutes=10)

    result = clocks_sweep(now=now)

    assert result.breached == 2
    for clock in (first, last):
        clock.refresh_from_db()
        assert clock.state == ClockState.BREACHED
        assert notices(clock, "clock_breach") == 1
    bad.refresh_from_db()
    assert (bad.state, bad.due_at) == (ClockState.RUNNING, now + PARK)
    assert notices(bad, "clock_breach") == 0
    logged = errors_logged(caplog)
    assert any(f"clock {bad.pk} failed to be breached" in line for line in logged)
    assert not [line for line in logged if "王芳" in line or "13800000009" in line]


def test_a_parked_clock_is_breached_once_its_fault_is_gone(
    customer_a, bad_customer, manager_a, monkeypatch
):
    bad = response_clock(bad_customer, 2)
    now = NOON + timedelta(minutes=10)
    with monkeypatch.context() as patch:
        patch.setattr(sweep, "renderer", renderer_failing_for(BAD_NAME))
        clocks_sweep(now=now)

    assert clocks_sweep(now=now + PARK - timedelta(seconds=1)).breached == 0
    assert clocks_sweep(now=now + PARK).breached == 1
    assert notices(bad, "clock_breach") == 1


def test_a_clock_whose_warning_fails_is_parked_and_the_others_are_warned(
    customer_a, bad_customer, manager_a, monkeypatch, caplog
):
    good, bad = response_clock(customer_a, 1), response_clock(bad_customer, 2)
    monkeypatch.setattr(sweep, "renderer", renderer_failing_for(BAD_NAME))
    now = NOON + timedelta(minutes=8)  # the 10-minute clock warns 2 minutes ahead

    assert clocks_sweep(now=now).warned == 1

    assert notices(good, "clock_warning") == 1
    bad.refresh_from_db()
    assert (bad.warned_at, bad.warn_at) == (None, now + PARK)
    assert f"clock {bad.pk}" in errors_logged(caplog)[0]


def test_a_clock_whose_escalation_fails_is_parked_and_the_others_escalate(
    customer_a, bad_customer, manager_a, hq_admin, monkeypatch, caplog
):
    good, bad = response_clock(customer_a, 1), response_clock(bad_customer, 2)
    clocks_sweep(now=NOON + timedelta(minutes=10))
    monkeypatch.setattr(sweep, "renderer", renderer_failing_for(BAD_NAME))
    now = NOON + timedelta(minutes=40)

    assert clocks_sweep(now=now).escalated == 1

    assert notices(good, "clock_escalation") == 1
    bad.refresh_from_db()
    assert (bad.escalation_level, bad.next_escalation_at) == (1, now + PARK)
    assert f"clock {bad.pk}" in errors_logged(caplog)[0]


def test_a_message_whose_delivery_crashes_is_parked_and_the_others_are_sent(
    customer_a, bad_customer, monkeypatch, caplog, settings
):
    settings.MESSAGE_CHANNELS = {"sms": {"BACKEND": "clocks.channels.ConsoleChannel"}}
    texts = {"zh-hans": "您好", "en": "Hello"}
    sent = [
        outbox.to_customer(
            customer=customer, template="t", texts=texts, key=f"k{n}", now=NOON
        )
        for n, customer in enumerate((customer_a, bad_customer, customer_a))
    ]
    by_key = {m.dedupe_key: m.pk for m in Message.objects.all()}
    bad_pk = by_key[sent[1].dedupe_key]
    message_sent = outbox.message_sent

    def crashing(*, message, at):
        if message.pk == bad_pk:
            raise RuntimeError(f"cannot record {BAD_NAME}")
        message_sent(message=message, at=at)

    monkeypatch.setattr(outbox, "message_sent", crashing)

    assert outbox.deliver_due(now=NOON) == 3

    statuses = dict(Message.objects.values_list("pk", "status"))
    assert [statuses[by_key[m.dedupe_key]] for m in sent] == [
        MessageStatus.SENT,
        MessageStatus.PENDING,
        MessageStatus.SENT,
    ]
    assert Message.objects.get(pk=bad_pk).next_attempt_at == NOON + outbox.PARK
    [logged] = errors_logged(caplog)
    assert f"message {bad_pk}" in logged
    assert "王芳" not in logged and "13800000009" not in logged
