"""The demo data set behind ``manage.py seed_demo``.

Two Shanghai outlets with their hours, one login per role, about 300
customers with their files, 14 months of shipment history and the live work of
the moment (pickups, shipments in transit, cold-chain readings, problems).
Each part is a module named for what it builds, called here in order:

* ``network.py``: the outlets, their hours and the staff logins.
* ``book.py``: the customers, through ``customer_create`` and the file services.
* ``history.py``: the signed parcels of the past months, bulk-created.
* Tiers are never typed in: ``tiers_recompute`` runs first "as of" the second
  day of last month (tiers from the month before last, the first TierChange
  rows), then as of now (tiers from last month, the changes since).
* ``live.py``: the work of the moment, through the services, so its clocks and
  messages are real.

Everything is drawn from one seeded random generator: the same run date gives
the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from clocks.models import Clock, ClockState
from customers.models import (
    Customer,
    Tier,
    TierChange,
)
from customers.tenure import add_months
from outlets.models import Outlet, Role, Staff
from shipments.models import (
    PickupRequest,
    PickupStatus,
    Problem,
    ProblemStage,
    Shipment,
)
from shipments.volumes import tiers_recompute

from .book import make_customers, make_plans
from .history import Waybills, make_history
from .live import make_live_work, settle_old_notices
from .network import OUTLETS, PASSWORD, STAFF, make_outlets, make_staff

SEED = 20240618  # 618: the mid-year sale


@dataclass(frozen=True)
class Login:
    role: StrOrPromise
    username: str
    password: str


@dataclass(frozen=True)
class Seeded:
    created: bool
    counts: dict
    logins: list[Login]


def logins() -> list[Login]:
    return [Login(Role(role).label, username, PASSWORD) for username, role, *_ in STAFF]


def seed(*, now: datetime, history_scale: float = 1.0) -> Seeded:
    """Make the demo; if its first outlet exists, only upsert outlets and logins."""
    exists = Outlet.objects.filter(code=OUTLETS[0][0]).exists()
    with transaction.atomic():
        if exists:
            make_staff(make_outlets())
        else:
            _build(now=now, history_scale=history_scale)
    return Seeded(not exists, counts(), logins())


def counts() -> dict:
    codes = [o[0] for o in OUTLETS]
    customers = Customer.objects.filter(outlet__code__in=codes)
    return {
        "outlets": Outlet.objects.filter(code__in=codes).count(),
        "staff": Staff.objects.filter(username__in=[s[0] for s in STAFF]).count(),
        "customers": customers.count(),
        "tiers": {tier: customers.filter(tier=tier).count() for tier in Tier},
        "shipments": Shipment.objects.filter(outlet__code__in=codes).count(),
        "tier_changes": TierChange.objects.filter(customer__in=customers).count(),
        "open_pickups": PickupRequest.objects.filter(outlet__code__in=codes)
        .exclude(status__in=[PickupStatus.ENTERED, PickupStatus.CANCELLED])
        .count(),
        "open_problems": Problem.objects.filter(outlet__code__in=codes)
        .exclude(stage=ProblemStage.CLOSED)
        .count(),
        "running_clocks": Clock.objects.filter(
            outlet__code__in=codes, state=ClockState.RUNNING
        ).count(),
    }


def _build(*, now: datetime, history_scale: float) -> None:
    rng = random.Random(SEED)
    today = timezone.localdate(now)
    outlets = make_outlets()
    staff = make_staff(outlets)
    made = make_customers(outlets, staff, make_plans(rng), today=today, rng=rng)
    waybills = Waybills()
    make_history(made, today=today, scale=history_scale, rng=rng, waybills=waybills)
    tz = timezone.get_current_timezone()
    second_of_last_month = add_months(today.replace(day=1), -1) + timedelta(days=1)
    tiers_recompute(now=datetime.combine(second_of_last_month, time(2, 15), tz))
    tiers_recompute(now=now)
    for index, outlet in enumerate(outlets):
        make_live_work(outlet, staff, index=index, now=now, rng=rng, waybills=waybills)
    settle_old_notices(now=now)
