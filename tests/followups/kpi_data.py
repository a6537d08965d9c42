"""Small factories for the churn and KPI tests: shipments, answers, clocks
and follow-ups written straight as rows at given instants."""

import itertools
import secrets
from datetime import datetime, timedelta

from clocks.models import Clock, ClockState, Counting, SubjectType
from followups.models import FollowUp, FollowUpChannel, FollowUpKind, FollowUpState
from followups.surveys.models import Survey, SurveyReason
from shipments.models import Shipment

_numbers = itertools.count(1)


def ship(customer, *instants: datetime) -> None:
    Shipment.objects.bulk_create(
        Shipment(
            waybill=f"KP{next(_numbers):010d}",
            customer=customer,
            outlet_id=customer.outlet_id,
            weight_kg=1,
            created_at=at,
        )
        for at in instants
    )


def ship_daily(customer, first: datetime, count: int, every=timedelta(days=1)):
    ship(customer, *(first + n * every for n in range(count)))


def answer(customer, score: int, at: datetime, *, reason=SurveyReason.DELIVERY):
    return Survey.objects.create(
        outlet_id=customer.outlet_id,
        customer=customer,
        reason=reason,
        month=at.date().replace(day=1),
        token=secrets.token_urlsafe(16),
        sent_at=at - timedelta(hours=1),
        expires_at=at + timedelta(days=14),
        score=score,
        answered_at=at,
    )


def clock(customer, kind: str, due_at: datetime, state: str) -> Clock:
    return Clock.objects.create(
        kind=kind,
        subject_type=SubjectType.PICKUP,
        subject_id=next(_numbers),
        outlet_id=customer.outlet_id,
        customer=customer,
        policy_minutes=30,
        counting=Counting.CALENDAR,
        state=state,
        started_at=due_at - timedelta(minutes=30),
        warn_at=due_at - timedelta(minutes=5),
        due_at=due_at,
        met_at=due_at - timedelta(minutes=1) if state == ClockState.MET else None,
        breached_at=due_at if state == ClockState.BREACHED else None,
    )


def follow_up(customer, due_at: datetime, state: str, closed_at=None) -> FollowUp:
    return FollowUp.objects.create(
        outlet_id=customer.outlet_id,
        customer=customer,
        kind=FollowUpKind.RETURN_VISIT,
        channel=FollowUpChannel.PHONE,
        state=state,
        due_at=due_at,
        created_at=due_at - timedelta(days=3),
        closed_at=None if state == FollowUpState.OPEN else closed_at or due_at,
    )
