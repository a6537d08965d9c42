"""``manage.py seed_demo``: a demo where every tier, need and tenure is on show."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from clocks.models import Clock, ClockKind, ClockState, Message
from customers.models import (
    Customer,
    CustomerHabits,
    CustomerNeed,
    CustomerNote,
    Need,
    Tenure,
    Tier,
    TierChange,
)
from customers.tenure import tenure_on
from outlets.models import BusinessHours, Outlet, Role, Staff
from shipments.models import (
    ColdChainReading,
    Milestone,
    PickupRequest,
    PickupStatus,
    Problem,
    ProblemStage,
    Shipment,
    ShipmentStatus,
)

pytestmark = pytest.mark.django_db

LOGIN_LINE = re.compile(r"(\S+) / (\S+)$")
SMALL = 0.02  # history scale for tests that do not look at tiers


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", force=True, stdout=out, **options)
    return out.getvalue()


def printed_logins(output: str) -> list[tuple[str, str]]:
    return [
        m.groups() for line in output.splitlines() if (m := LOGIN_LINE.search(line))
    ]


def snapshot() -> dict:
    models = [
        Outlet,
        BusinessHours,
        Staff,
        Customer,
        CustomerNeed,
        CustomerNote,
        TierChange,
        Shipment,
        Milestone,
        ColdChainReading,
        PickupRequest,
        Problem,
        Clock,
        Message,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_fills_every_tier_need_and_tenure_on_postgresql():
    seed()
    today = timezone.localdate()

    assert Outlet.objects.count() == 2
    assert BusinessHours.objects.count() == 14
    assert set(Staff.objects.values_list("role", flat=True)) == set(Role.values)
    hq = Staff.objects.get(username="hq")
    assert hq.is_superuser and hq.is_staff
    assert {m.manager for m in Staff.objects.filter(role=Role.OUTLET_MANAGER)} == {hq}

    customers = Customer.objects.all()
    assert 280 <= customers.count() <= 320
    # Tiers come from last month's shipments, not from the seed.
    assert set(customers.values_list("tier", flat=True)) == set(Tier.values)
    assert not customers.filter(tier_computed_at=None).exists()
    for customer in customers.filter(tier=Tier.STRATEGIC):
        assert customer.monthly_volume >= 5000
    changes = TierChange.objects.values_list("from_tier", "to_tier")
    assert (Tier.KEY, Tier.STRATEGIC) in changes  # grew
    assert (Tier.KEY, Tier.REGULAR) in changes  # a churn warning
    assert Shipment.objects.count() < 150_000

    assert set(CustomerNeed.objects.values_list("need", flat=True)) == set(Need.values)
    assert customers.annotate(n=Count("needs")).filter(n__gte=2).exists()
    tenures = {
        tenure_on(start, today)
        for start in customers.values_list("cooperation_start", flat=True)
    }
    assert tenures == set(Tenure.values)
    assert customers.exclude(referred_by=None).exists()
    assert customers.exclude(quiet_hours_start=None).exists()
    assert CustomerHabits.objects.filter(prefers_parcel_locker=True).exists()
    assert CustomerHabits.objects.exclude(packaging_preference="").exists()
    assert CustomerNote.objects.count() > 50

    open_pickups = PickupRequest.objects.exclude(
        status__in=[PickupStatus.ENTERED, PickupStatus.CANCELLED]
    )
    assert open_pickups.filter(status=PickupStatus.REQUESTED).exists()
    accepted = open_pickups.filter(status=PickupStatus.ACCEPTED)
    assert accepted.exists()
    running = Clock.objects.filter(
        kind=ClockKind.PICKUP_CONTACT, state=ClockState.RUNNING
    )
    assert set(running.values_list("subject_id", flat=True)) == set(
        accepted.values_list("pk", flat=True)
    )

    in_transit = Shipment.objects.filter(
        status__in=[
            ShipmentStatus.PICKED_UP,
            ShipmentStatus.AT_SORTING_CENTER,
            ShipmentStatus.OUT_FOR_DELIVERY,
        ]
    )
    assert in_transit.filter(milestones__isnull=False).exists()
    assert ColdChainReading.objects.filter(shipment__cold_chain=True).exists()
    assert Clock.objects.filter(kind=ClockKind.COLD_CHAIN_ALARM).exists()

    open_problems = Problem.objects.exclude(stage=ProblemStage.CLOSED)
    assert open_problems.count() >= 3
    assert open_problems.filter(stage=ProblemStage.RESPONDED).count() == 1
    assert Clock.objects.filter(
        kind=ClockKind.PROBLEM_RESPONSE, state=ClockState.RUNNING
    ).exists()


def test_seed_demo_is_idempotent():
    first = seed(history_scale=SMALL)
    counts = snapshot()
    second = seed(history_scale=SMALL)
    assert snapshot() == counts
    assert printed_logins(second) == printed_logins(first)
    assert len(printed_logins(first)) == len(Staff.objects.all()) == 7


def test_every_demo_login_works(client):
    logins = printed_logins(seed(history_scale=SMALL))
    roles = set(
        Staff.objects.filter(username__in=[u for u, _p in logins]).values_list(
            "role", flat=True
        )
    )
    assert roles == set(Role.values)
    for username, password in logins:
        assert client.login(username=username, password=password), username
        client.logout()


def test_seed_demo_refuses_a_production_database_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not Outlet.objects.exists()
