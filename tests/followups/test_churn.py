"""Churn warnings (流失预警) and the churn rule, with ``now`` passed in."""

from datetime import datetime, timedelta

import pytest

from followups.kpis.churn import churn_rows, churn_scan, churn_signals
from followups.kpis.models import ChurnReason, ChurnRisk
from followups.models import FollowUp, FollowUpKind, FollowUpOutcome
from followups.services import follow_up_complete
from shipments.models import Problem, ProblemKind, ProblemStage
from tests.conftest import SHANGHAI, api_as, make_customer

from .kpi_data import answer, ship, ship_daily

pytestmark = pytest.mark.django_db

# A night scan: 03:00 in Shanghai.
NIGHT = datetime(2026, 11, 18, 3, 0, tzinfo=SHANGHAI)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _churn_settings(settings):
    settings.CHURN_SILENT_DAYS = 30
    settings.CHURN_DROP_MIN_MONTHLY = 3
    settings.CHURN_DETRACTOR_DAYS = 90


def reasons(now=NIGHT) -> dict[int, str]:
    return {s.customer_id: s.reason for s in churn_signals(now=now)}


def usual_then_recent(customer, usual: int, recent: int, now=NIGHT) -> None:
    """``usual`` parcels over the 90 days before the last 30, ``recent`` in them."""
    ship_daily(customer, now - 119 * DAY, usual, every=89 * DAY / max(usual, 1))
    ship_daily(customer, now - 29 * DAY, recent, every=DAY)


def test_a_customer_whose_last_30_days_fell_under_half_of_their_usual_is_at_risk(
    outlet_a,
):
    dropped, steady = make_customer(outlet_a), make_customer(outlet_a)
    usual_then_recent(dropped, usual=36, recent=5)  # 5 < 12 / 2
    usual_then_recent(steady, usual=36, recent=7)  # 7 > 6
    assert reasons() == {dropped.pk: ChurnReason.VOLUME_DROP}
    signal = churn_signals(now=NIGHT)[0]
    assert (signal.recent_volume, signal.usual_volume) == (5, 12)


def test_a_quiet_sender_under_the_minimum_average_raises_no_volume_drop(outlet_a):
    quiet = make_customer(outlet_a)
    usual_then_recent(quiet, usual=6, recent=0)  # 2 a month: under the minimum 3
    ship(quiet, NIGHT - 2 * DAY)
    assert reasons() == {}


def test_a_customer_silent_for_the_configured_days_after_being_active_is_at_risk(
    outlet_a, settings
):
    silent, recent, long_gone = (make_customer(outlet_a) for _ in range(3))
    ship(silent, NIGHT - 40 * DAY, NIGHT - 35 * DAY)
    ship(recent, NIGHT - 40 * DAY, NIGHT - 10 * DAY)
    ship(long_gone, NIGHT - 130 * DAY)  # not active in the 90 days before
    assert reasons() == {silent.pk: ChurnReason.SILENT}
    settings.CHURN_SILENT_DAYS = 36
    assert reasons() == {}


def test_an_open_complaint_is_a_risk_and_a_closed_one_is_not(outlet_a):
    complaining, satisfied = make_customer(outlet_a), make_customer(outlet_a)
    for customer, stage in (
        (complaining, ProblemStage.RESPONDED),
        (satisfied, ProblemStage.CLOSED),
    ):
        Problem.objects.create(
            outlet=outlet_a,
            customer=customer,
            kind=ProblemKind.COMPLAINT,
            description="Rude courier",
            stage=stage,
            reported_at=NIGHT - 2 * DAY,
        )
    Problem.objects.create(
        outlet=outlet_a,
        customer=satisfied,
        kind=ProblemKind.DELAY,
        description="Late",
        reported_at=NIGHT - DAY,
    )
    assert reasons() == {complaining.pk: ChurnReason.OPEN_COMPLAINT}


def test_a_detractor_answer_in_the_last_90_days_is_a_risk(outlet_a):
    detractor, passive, old = (make_customer(outlet_a) for _ in range(3))
    answer(detractor, 6, NIGHT - 5 * DAY)
    answer(passive, 7, NIGHT - 5 * DAY)
    answer(old, 2, NIGHT - 95 * DAY)
    assert reasons() == {detractor.pk: ChurnReason.DETRACTOR}


def test_each_new_risk_raises_one_retention_call_for_the_account_manager(
    customer_a, account_manager_a
):
    ship(customer_a, NIGHT - 40 * DAY)
    first = churn_scan(now=NIGHT)
    again = churn_scan(now=NIGHT + DAY)
    assert (first.raised, first.calls) == (1, 1)
    assert (again.raised, again.still, again.calls) == (0, 1, 0)
    risk = ChurnRisk.objects.get()
    call = FollowUp.objects.get()
    assert call.kind == FollowUpKind.RETENTION_CALL
    assert call.owner == account_manager_a
    assert call.source_key == f"churn:{risk.pk}"
    assert "Shipped nothing lately" in call.note
    assert call.due_at > NIGHT


def test_a_new_reason_while_the_retention_call_is_open_raises_no_second_call(
    customer_a, account_manager_a
):
    ship(customer_a, NIGHT - 40 * DAY)
    churn_scan(now=NIGHT)
    answer(customer_a, 3, NIGHT + 2 * DAY)
    later = churn_scan(now=NIGHT + 3 * DAY)
    assert later.raised == 1 and later.calls == 0
    assert FollowUp.objects.count() == 1


def test_a_risk_that_clears_and_comes_back_is_new_and_raises_a_new_call(
    customer_a, account_manager_a
):
    ship(customer_a, NIGHT - 40 * DAY)
    churn_scan(now=NIGHT)
    follow_up_complete(
        follow_up=FollowUp.objects.get(),
        by=account_manager_a,
        outcome=FollowUpOutcome.MORE_BUSINESS,
        now=NIGHT + timedelta(hours=7),
    )
    ship(customer_a, NIGHT + timedelta(hours=12))
    cleared = churn_scan(now=NIGHT + DAY)
    assert cleared.cleared == 1
    back = churn_scan(now=NIGHT + 32 * DAY)
    assert (back.raised, back.calls) == (1, 1)
    assert ChurnRisk.objects.filter(cleared_at__isnull=True).count() == 1
    assert FollowUp.objects.filter(kind=FollowUpKind.RETENTION_CALL).count() == 2


def test_the_scan_reads_the_same_number_of_queries_for_3_or_30_customers(
    outlet_a, django_assert_max_num_queries
):
    def silent_customers(n):
        for _ in range(n):
            ship(make_customer(outlet_a), NIGHT - 40 * DAY)

    silent_customers(3)
    with django_assert_max_num_queries(40) as few:
        churn_scan(now=NIGHT)
    ChurnRisk.objects.all().delete()
    FollowUp.objects.all().delete()
    silent_customers(27)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        churn_scan(now=NIGHT)
    assert ChurnRisk.objects.count() == 30
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_risk_list_shows_an_account_manager_their_customers_only(
    outlet_a, customer_a, account_manager_a, manager_a, manager_b
):
    other = make_customer(outlet_a)
    ship(customer_a, NIGHT - 40 * DAY)
    ship(other, NIGHT - 40 * DAY)
    churn_scan(now=NIGHT)
    mine = api_as(account_manager_a).get("/api/v1/churn-risks/").json()["results"]
    outlet = api_as(manager_a).get("/api/v1/churn-risks/").json()["results"]
    assert [r["customer"] for r in mine] == [customer_a.pk]
    assert {r["customer"] for r in outlet} == {customer_a.pk, other.pk}
    by_am = api_as(manager_a).get(
        f"/api/v1/churn-risks/?account_manager={account_manager_a.pk}"
    )
    assert [r["customer"] for r in by_am.json()["results"]] == [customer_a.pk]
    assert api_as(manager_b).get("/api/v1/churn-risks/").json()["results"] == []


def test_the_risk_page_lists_the_reason_with_its_numbers(client, customer_a, manager_a):
    ship(customer_a, NIGHT - 40 * DAY)
    churn_scan(now=NIGHT)
    client.force_login(manager_a)
    page = client.get("/care/churn/").content.decode()
    assert "Fresh Fruit Co" in page
    assert "Last shipment on 2026-10-09." in page


# --- The churn rule --------------------------------------------------------------

OCTOBER = datetime(2026, 10, 1, tzinfo=SHANGHAI).date()
LATER = datetime(2026, 12, 15, tzinfo=SHANGHAI)


def churned_in(month, now=LATER) -> dict[int, int]:
    return {row["customer_id"]: row["part"] for row in churn_rows(month, now=now)}


def test_a_customer_churns_in_the_month_their_last_shipment_turns_60_days_old(
    outlet_a,
):
    gone = make_customer(outlet_a)
    ship(gone, datetime(2026, 8, 5, 10, 0, tzinfo=SHANGHAI))  # 60 days: 4 October
    september = OCTOBER.replace(month=9)
    november = OCTOBER.replace(month=11)
    assert churned_in(september) == {gone.pk: 0}
    assert churned_in(OCTOBER) == {gone.pk: 1}
    assert churned_in(november) == {gone.pk: 0}  # counted once


def test_a_customer_who_ships_again_within_60_days_does_not_churn(outlet_a):
    back = make_customer(outlet_a)
    ship(
        back,
        datetime(2026, 8, 5, tzinfo=SHANGHAI),
        datetime(2026, 10, 2, tzinfo=SHANGHAI),
    )
    assert churned_in(OCTOBER) == {back.pk: 0}


def test_a_customer_new_in_the_month_is_not_in_its_base(outlet_a):
    new = make_customer(outlet_a)
    ship(new, datetime(2026, 10, 3, tzinfo=SHANGHAI))
    assert churned_in(OCTOBER) == {}


def test_the_month_in_progress_counts_churn_up_to_now(outlet_a):
    gone = make_customer(outlet_a)
    ship(gone, datetime(2026, 8, 20, tzinfo=SHANGHAI))  # turns 60 on 19 October
    before = datetime(2026, 10, 18, tzinfo=SHANGHAI)
    after = datetime(2026, 10, 20, tzinfo=SHANGHAI)
    assert churned_in(OCTOBER, now=before) == {gone.pk: 0}
    assert churned_in(OCTOBER, now=after) == {gone.pk: 1}


def test_hq_filters_the_risk_page_by_outlet(client, customer_a, customer_b, hq_admin):
    ship(customer_a, NIGHT - 40 * DAY)
    ship(customer_b, NIGHT - 40 * DAY)
    churn_scan(now=NIGHT)
    client.force_login(hq_admin)
    every = client.get("/care/churn/").content.decode()
    only_b = client.get(f"/care/churn/?outlet={customer_b.outlet_id}").content.decode()
    assert "Fresh Fruit Co" in every and "Outlet B Customer" in every
    assert "Fresh Fruit Co" not in only_b and "Outlet B Customer" in only_b
