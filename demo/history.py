"""The demo's shipment history: 14 months of signed parcels, bulk-created.

The tier only reads the last complete calendar month
(``shipments.volumes.volume_period``), so that month carries each customer's
full volume, the month before it nearly so (for a tier history), and older
months a thin sample that keeps the database small.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import (
    Customer,
    Need,
)
from customers.tenure import add_months
from shipments.models import (
    ServiceLevel,
    Shipment,
    ShipmentStatus,
)

from .book import TRADES, Made, Plan

BATCH = 5000
WAYBILL_PREFIX = "YD"
WEIGHTS = tuple(Decimal(w) for w in ("0.5", "1.0", "1.2", "2.0", "3.5", "5.0", "8.0"))
COLD_WEIGHTS = tuple(Decimal(w) for w in ("3.0", "5.0", "7.5", "10.0"))


class Waybills:
    def __init__(self) -> None:
        self.n = 7_700_000_000

    def next(self) -> str:
        self.n += 1
        return f"{WAYBILL_PREFIX}{self.n:013d}"


def _stochastic(value: float, rng: random.Random) -> int:
    whole = int(value)
    return whole + (rng.random() < value - whole)


def make_history(made: list[Made], *, today, scale, rng, waybills) -> int:
    """Signed shipments of the last 13 months and this month before today.

    Month 1 back carries the full volume, month 2 the "before" volume, older
    months a 2–6 % sample and this month a fifth of the pace so far: about
    90,000 rows, most of them in the two months the tiers read.
    """
    tz = timezone.get_current_timezone()
    this_month = today.replace(day=1)
    elapsed = (today - this_month).days
    months = [(this_month, today, 0.2 * elapsed / 31)]  # ends before today
    for back in range(1, 14):
        start = add_months(this_month, -back)
        months.append(
            (
                start,
                add_months(start, 1),
                None if back < 3 else 0.06 - 0.04 * (back - 3) / 10,
            )
        )
    rows: list[Shipment] = []
    total = 0
    for item in made:
        customer, plan = item.customer, item.plan
        base = _shipment_fields(customer, plan)
        trade = TRADES[plan.trade]
        for back, (start, end, share) in enumerate(months):
            volume = (
                plan.last
                if back == 1
                else plan.before
                if back == 2
                else (plan.last if back == 0 else plan.before) * share
            )
            first = max(start, customer.cooperation_start)
            if first >= end:
                continue
            covered = (end - first).days / (end - start).days if back else 1
            count = _stochastic(volume * covered * scale, rng)
            span = (end - first).days
            origin = datetime.combine(first, time.min, tz)
            for _i in range(count):
                created = origin + timedelta(
                    days=int(rng.random() * span),
                    seconds=28800 + int(rng.random() * 43200),
                )
                rows.append(
                    Shipment(
                        waybill=waybills.next(),
                        created_at=created,
                        expected_arrival=created + timedelta(days=1),
                        goods_description=rng.choice(trade.goods),
                        weight_kg=rng.choice(
                            COLD_WEIGHTS if base["cold_chain"] else WEIGHTS
                        ),
                        pieces=1 if rng.random() < 0.85 else rng.randint(2, 5),
                        status=ShipmentStatus.SIGNED,
                        **base,
                    )
                )
            if len(rows) >= BATCH:
                Shipment.objects.bulk_create(rows, batch_size=BATCH)
                total += len(rows)
                rows = []
    Shipment.objects.bulk_create(rows, batch_size=BATCH)
    return total + len(rows)


def _shipment_fields(customer: Customer, plan: Plan) -> dict:
    needs = set(TRADES[plan.trade].needs)
    cold = Need.COLD_CHAIN in needs
    valuable = Need.VALUABLES in needs
    value = Decimal("5000.00") if valuable else Decimal("0")
    return {
        "customer_id": customer.pk,
        "outlet_id": customer.outlet_id,
        "service_level": (
            ServiceLevel.NEXT_MORNING
            if Need.TIME_SENSITIVE in needs
            else ServiceLevel.STANDARD
        ),
        "cold_chain": cold,
        "temperature_min_c": Decimal("0.0") if cold else None,
        "temperature_max_c": Decimal("8.0") if cold else None,
        "humidity_min_pct": Decimal("80.0") if cold else None,
        "humidity_max_pct": Decimal("95.0") if cold else None,
        "fragile": Need.FRAGILE in needs,
        "valuable": valuable,
        "declared_value": value,
        "insured_value": value,
    }
