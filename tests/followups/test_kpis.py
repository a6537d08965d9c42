"""The KPI figures on a small book whose numbers are worked out by hand below,
the frozen monthly snapshots, and bad input on the page and in the API."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from clocks.models import ClockKind, ClockState
from customers.models import Customer, Tier
from followups.kpis.figures import Counts, value
from followups.kpis.months import parse_month
from followups.kpis.selectors import Scope, figure_rows, kpi_scope, month_counts
from followups.kpis.snapshots import kpi_month_freeze, kpi_snapshots_take
from followups.models import FollowUpState
from followups.referrals.selectors import referral_share_by_month
from followups.surveys.models import SurveyReason
from outlets.errors import DomainError, NotAllowed
from tests.conftest import SHANGHAI, api_as, make_customer

from .kpi_data import answer, clock, follow_up, ship, ship_daily

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=SHANGHAI)


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def book(outlet_a, outlet_b):
    """Outlet A's October 2026, by hand:

    churn: the base (shipped July-September) is c1, c2, c3, c4; c3's last
      parcel (10 August) turns 60 days old on 9 October: 1 of 4 = 25 %, a
      year's rate 1 - 0.75^12 = 96.83 %. (Outlet B's lost customer is not A's.)
    volume: c1 and c2 shipped in October 2025 (10 + 5 = 15); in October 2026
      13 + 5 = 18: +20 %. For key customers (c1 alone): 13 / 10 - 1 = +30 %.
    NPS: answers 10, 9, 9 (promoters), 7 (passive), 3 (detractor):
      (3 - 1) / 5 x 100 = 40.
    referral share: 4 customers started in October, 2 referred: 50 %.
    SLA: pickup contact 3 met, 1 breached: 75 %; problem response 1 and 1:
      50 % (a clock still running is not counted).
    follow-ups on time: due in October, 2 done in time, 1 done late, 1
      declined (4 due; a cancelled one is not): 2 / 4 = 50 %.
    """
    c1 = make_customer(outlet_a, tier=Tier.KEY)
    c2, c3, c4 = (make_customer(outlet_a, tier=Tier.REGULAR) for _ in range(3))
    ship_daily(c1, at(10, 1, 2025), 10)
    ship_daily(c2, at(10, 1, 2025), 5)
    ship(c1, at(9, 10))
    ship(c2, at(9, 5))
    ship(c3, at(8, 10))
    ship(c4, at(9, 1), at(10, 20))
    ship_daily(c1, at(10, 2), 12)  # with the October parcel below: 13
    ship(c1, at(10, 25))
    ship_daily(c2, at(10, 3), 5)
    lost_b = make_customer(outlet_b)
    ship(lost_b, at(8, 10))
    answer(c1, 10, at(10, 5))
    answer(c1, 9, at(10, 6), reason=SurveyReason.PROBLEM)
    answer(c2, 9, at(10, 7))
    answer(c4, 7, at(10, 8))
    answer(c3, 3, at(10, 9))
    answer(c2, 0, at(11, 2))  # November: not October's
    for referrer in (c1, c2, None, None):
        make_customer(
            outlet_a, cooperation_start=date(2026, 10, 12), referred_by=referrer
        )
    for state in (ClockState.MET, ClockState.MET, ClockState.MET, ClockState.BREACHED):
        clock(c1, ClockKind.PICKUP_CONTACT, at(10, 14), state)
    clock(c2, ClockKind.PROBLEM_RESPONSE, at(10, 15), ClockState.MET)
    clock(c2, ClockKind.PROBLEM_RESPONSE, at(10, 16), ClockState.BREACHED)
    clock(c2, ClockKind.PROBLEM_RESPONSE, at(10, 17), ClockState.RUNNING)
    due = at(10, 20)
    follow_up(c1, due, FollowUpState.DONE, due - timedelta(hours=1))
    follow_up(c2, due, FollowUpState.DONE, due)
    follow_up(c3, due, FollowUpState.DONE, due + timedelta(days=1))
    follow_up(c4, due, FollowUpState.DECLINED)
    follow_up(c4, due, FollowUpState.CANCELLED)
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "lost_b": lost_b}


def figures_of(outlet, month=OCTOBER, now=NOW) -> dict:
    counts = month_counts(Scope(outlet), month, now=now)
    return {
        (row.metric.key, cell.tier): cell
        for row in figure_rows(counts)
        for cell in row.cells
    }


def test_kpi_formulas_give_the_numbers_worked_out_by_hand(book, outlet_a):
    f = figures_of(outlet_a)
    churn = f["churn", ""]
    assert (churn.counts.part, churn.counts.whole) == (1, 4)
    assert churn.value == Decimal("0.25")
    assert round(churn.yearly, 4) == Decimal("0.9683")
    assert churn.meets is False  # the target is a year's rate under 10 %
    assert f["volume_growth", ""].value == Decimal("0.2")
    assert f["volume_growth", Tier.KEY].value == Decimal("0.3")
    assert f["volume_growth", ""].meets is True  # +20 % is the target
    assert f["nps", ""].value == Decimal("40")
    assert f["referral_share", ""].value == Decimal("0.5")
    assert f["sla:pickup_contact", ""].value == Decimal("0.75")
    assert f["sla:problem_response", ""].value == Decimal("0.5")
    assert f["sla:cold_chain_alarm", ""].value is None  # nothing to count
    assert f["follow_up_on_time", ""].value == Decimal("0.5")


def test_the_referral_share_agrees_with_the_referrals_own_selector(book, outlet_a):
    theirs = referral_share_by_month(
        Customer.objects.filter(outlet=outlet_a), first=OCTOBER, last=OCTOBER
    )[0]
    mine = figures_of(outlet_a)["referral_share", ""]
    assert (mine.counts.part, mine.counts.whole) == (
        theirs.referred,
        theirs.new_customers,
    )


def test_the_network_sums_every_outlet(book, outlet_a):
    network = figures_of(None)["churn", ""]
    assert (network.counts.part, network.counts.whole) == (2, 5)


def test_nps_and_growth_formulas_on_their_own_counts():
    assert value("nps", Counts(part=3, other=1, whole=5)) == Decimal("40")
    assert value("volume_growth", Counts(part=12, whole=10)) == Decimal("0.2")
    assert value("churn", Counts(part=0, whole=0)) is None


def test_a_frozen_month_keeps_its_figures_when_its_data_is_corrected(
    book, outlet_a, client, manager_a
):
    assert kpi_month_freeze(month=OCTOBER, now=NOW) is True
    ship(book["c3"], at(10, 1))  # c3 shipped after all: no churn today
    cache.clear()
    frozen = month_counts(Scope(outlet_a), OCTOBER, now=NOW + timedelta(days=3))
    assert frozen.frozen is True
    churn = figures_of(outlet_a, now=NOW + timedelta(days=3))["churn", ""]
    assert (churn.counts.part, churn.counts.whole) == (1, 4)
    assert kpi_month_freeze(month=OCTOBER, now=NOW + timedelta(days=3)) is False
    client.force_login(manager_a)
    listed = client.get("/care/kpis/customers/?month=2026-10&metric=churn")
    assert book["c3"].name not in listed.content.decode()  # today's reading


def test_the_nightly_run_freezes_the_last_complete_month_and_the_year_before(book):
    frozen = kpi_snapshots_take(now=NOW)
    assert frozen[-1] == OCTOBER and len(frozen) == 13
    assert kpi_snapshots_take(now=NOW + timedelta(days=1)) == []


def test_the_month_in_progress_cannot_be_frozen():
    with pytest.raises(DomainError):
        kpi_month_freeze(month=date(2026, 11, 1), now=NOW)


# --- Bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-12", "has not begun yet"),
        ("2100-01", "between 2000-01 and 2099-12"),
        ("1999-12", "between 2000-01 and 2099-12"),
        ("2026-13", "YYYY-MM"),
        ("ten", "YYYY-MM"),
    ],
)
def test_a_month_in_the_future_or_outside_2000_to_2099_is_refused(text, says):
    with pytest.raises(DomainError) as refused:
        parse_month(text, now=NOW)
    assert says in str(refused.value.message)
    assert parse_month("", now=NOW) == date(2026, 11, 1)


def _next_month_text() -> str:
    return (timezone.localdate().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")


def test_the_api_refuses_a_future_month_in_the_error_shape(manager_a):
    answer_ = api_as(manager_a).get(f"/api/v1/kpis/?month={_next_month_text()}")
    assert answer_.status_code == 400
    error = answer_.json()["error"]
    assert error["code"] == "invalid_month"
    assert "has not begun yet" in error["fields"]["month"][0]


def test_the_page_shows_a_future_month_as_a_form_error(client, manager_a):
    client.force_login(manager_a)
    page = client.get(f"/care/kpis/?month={_next_month_text()}")
    assert page.status_code == 400
    assert "has not begun yet" in page.content.decode()


def test_a_manager_asking_for_the_network_is_refused_with_the_reason(
    client, manager_a, hq_admin
):
    api = api_as(manager_a).get("/api/v1/kpis/?scope=network")
    assert api.status_code == 403
    assert "for HQ" in api.json()["error"]["message"]
    client.force_login(manager_a)
    page = client.get("/care/kpis/?scope=network")
    assert page.status_code == 403 and "for HQ" in page.content.decode()
    assert api_as(hq_admin).get("/api/v1/kpis/?scope=network").status_code == 200


def test_the_refusal_is_translated(client, manager_a):
    api = api_as(manager_a).get(
        "/api/v1/kpis/?scope=network", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "总部" in api.json()["error"]["message"]


def test_a_manager_sees_their_outlet_and_not_another(manager_a, outlet_b):
    assert (
        kpi_scope(manager_a, outlet_id=None, network=False).outlet_id
        == manager_a.outlet_id
    )
    with pytest.raises(DomainError):
        kpi_scope(manager_a, outlet_id=outlet_b.pk, network=False)
    with pytest.raises(NotAllowed):
        kpi_scope(manager_a, outlet_id=None, network=True)


# --- Pages, API, exports ------------------------------------------------------------


def test_the_api_gives_each_figure_beside_its_target_with_its_customers_link(
    book, manager_a
):
    body = api_as(manager_a).get("/api/v1/kpis/?month=2026-10").json()
    churn = next(f for f in body["figures"] if f["metric"] == "churn")
    assert churn["target"] == 0.1 and churn["lower_is_better"] is True
    cell = churn["cells"][0]
    assert (cell["part"], cell["whole"], cell["value"]) == (1, 4, 0.25)
    listed = api_as(manager_a).get(cell["customers"]).json()
    assert [c["id"] for c in listed["results"]] == [book["c3"].pk]


def test_the_customers_behind_a_tier_figure_are_that_tiers(book, manager_a):
    listed = (
        api_as(manager_a)
        .get("/api/v1/kpis/customers/?month=2026-10&metric=volume_growth&tier=key")
        .json()["results"]
    )
    assert [(c["id"], c["part"], c["whole"]) for c in listed] == [
        (book["c1"].pk, 13, 10)
    ]


def test_the_trend_api_has_twelve_months_with_frozen_ones_filled(book, manager_a):
    kpi_month_freeze(month=OCTOBER, now=NOW)
    points = api_as(manager_a).get("/api/v1/kpis/trend/?month=2026-10").json()["points"]
    assert len(points) == 12 and points[-1]["frozen"] is True
    assert points[-1]["figures"]["nps"] == 40.0
    assert points[0]["figures"] == {}  # never frozen: a gap


def test_the_dashboard_exports_csv_and_excel(book, client, manager_a):
    client.force_login(manager_a)
    csv = client.get("/care/kpis/?month=2026-10&format=csv")
    assert csv.content.decode("utf-8").startswith("\ufeff")
    assert "0.2500" in csv.content.decode()
    xlsx = client.get("/care/kpis/?month=2026-10&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    listed = client.get("/care/kpis/customers/?month=2026-10&metric=churn&format=csv")
    assert book["c3"].name in listed.content.decode()


def test_the_dashboard_page_carries_the_chart_data_and_no_inline_script(
    book, client, manager_a
):
    client.force_login(manager_a)
    page = client.get("/care/kpis/?month=2026-10").content.decode()
    assert 'id="kpi-chart-data" type="application/json"' in page
    assert "vendor/echarts/echarts.min.js" in page and "js/kpi-charts.js" in page
