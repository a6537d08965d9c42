from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from customers.models import Customer, Tier, TierChange, TierThresholds
from shipments.models import Shipment
from shipments.volumes import tiers_recompute, volume_period

from ..conftest import SHANGHAI, make_customer

pytestmark = pytest.mark.django_db

# Recomputing on 2 December counts November 2026.
RUN_AT = datetime(2026, 12, 2, 2, 15, tzinfo=SHANGHAI)
IN_NOVEMBER = datetime(2026, 11, 15, 10, 0, tzinfo=SHANGHAI)


def ship(customer, count: int, at: datetime = IN_NOVEMBER) -> None:
    Shipment.objects.bulk_create(
        Shipment(
            waybill=f"T{customer.pk}-{at:%m%d}-{n}",
            customer=customer,
            outlet_id=customer.outlet_id,
            weight_kg=1,
            created_at=at,
        )
        for n in range(count)
    )


@pytest.mark.parametrize(
    ("parcels", "tier"),
    [
        (0, Tier.CASUAL),
        (19, Tier.CASUAL),
        (20, Tier.REGULAR),
        (999, Tier.REGULAR),
        (1000, Tier.KEY),
        (4999, Tier.KEY),
        (5000, Tier.STRATEGIC),
    ],
)
def test_tier_follows_last_months_volume_at_each_boundary(outlet_a, parcels, tier):
    customer = make_customer(outlet_a)
    ship(customer, parcels)
    tiers_recompute(now=RUN_AT)
    customer.refresh_from_db()
    assert (customer.tier, customer.monthly_volume) == (tier, parcels)


def test_volume_counts_only_the_last_complete_calendar_month(outlet_a):
    customer = make_customer(outlet_a)
    ship(customer, 30, at=datetime(2026, 10, 31, 23, 59, tzinfo=SHANGHAI))
    ship(customer, 25, at=datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI))
    ship(customer, 40, at=datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI))
    tiers_recompute(now=RUN_AT)
    customer.refresh_from_db()
    assert customer.monthly_volume == 25
    start, end = volume_period(RUN_AT)
    assert (start, end) == (
        datetime(2026, 11, 1, tzinfo=SHANGHAI),
        datetime(2026, 12, 1, tzinfo=SHANGHAI),
    )


def test_tier_history_is_written_only_when_the_tier_changes(outlet_a):
    customer = make_customer(outlet_a)
    ship(customer, 1200)
    tiers_recompute(now=RUN_AT)
    tiers_recompute(now=RUN_AT + timedelta(days=1))
    change = TierChange.objects.get(customer=customer)
    assert (change.from_tier, change.to_tier, change.volume) == (
        Tier.CASUAL,
        Tier.KEY,
        1200,
    )


def test_editable_thresholds_move_the_boundaries(outlet_a):
    TierThresholds.objects.update(casual_below=5)
    customer = make_customer(outlet_a)
    ship(customer, 5)
    tiers_recompute(now=RUN_AT)
    assert Customer.objects.get(pk=customer.pk).tier == Tier.REGULAR


def test_recompute_runs_a_fixed_number_of_queries_however_many_customers(
    outlet_a, django_assert_max_num_queries
):
    for _ in range(30):
        ship(make_customer(outlet_a), 25)
    with django_assert_max_num_queries(12):
        result = tiers_recompute(now=RUN_AT)
    assert result.changed == 30


def test_recompute_tiers_command_reports_the_period(outlet_a, capsys):
    make_customer(outlet_a)
    call_command("recompute_tiers")
    assert "customers" in capsys.readouterr().out
