"""Referrals (转介绍): who referred whom, per outlet and account manager; the
referral share of new customers per month; a thank-you to the referrer's
account manager when a referred customer ships for the first time."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from followups.models import FollowUp, FollowUpKind
from followups.referrals.models import Referral
from followups.referrals.selectors import (
    referral_share_by_month,
    referrals_filtered,
    referrals_for,
)
from followups.referrals.services import referral_thanks_scan
from outlets.models import Role

from ..conftest import NOON, api_as, make_customer, make_shipment, make_staff

pytestmark = pytest.mark.django_db


# --- The referral share, on a small book written by hand ------------------------------


@pytest.fixture
def small_book(outlet_a, outlet_b):
    """January 2026: 4 new, 1 referred (25 %); February: 2 new, both referred
    (100 %); March: none; April: 3 new, none referred (0 %). Outlet B's
    customers (1 January, referred) count for outlet B only; the referrers
    started in 2024 and are nobody's new customers in 2026."""
    old = make_customer(outlet_a, cooperation_start=date(2024, 5, 1))
    b_old = make_customer(outlet_b, cooperation_start=date(2024, 5, 1))

    def new(day, by=None, outlet=outlet_a):
        return make_customer(outlet, cooperation_start=day, referred_by=by)

    new(date(2026, 1, 1), by=old)
    new(date(2026, 1, 15))
    new(date(2026, 1, 31))
    new(date(2026, 1, 20))
    new(date(2026, 2, 1), by=old)
    new(date(2026, 2, 28), by=old)
    new(date(2026, 4, 2))
    new(date(2026, 4, 3))
    new(date(2026, 4, 30))
    new(date(2026, 1, 10), by=b_old, outlet=outlet_b)
    return old


def test_the_referral_share_per_month_on_a_hand_written_book(small_book, outlet_a):
    from customers.models import Customer

    rows = referral_share_by_month(
        Customer.objects.filter(outlet=outlet_a),
        first=date(2026, 1, 1),
        last=date(2026, 4, 1),
    )
    assert [(r.month, r.new_customers, r.referred, r.share) for r in rows] == [
        (date(2026, 1, 1), 4, 1, 25.0),
        (date(2026, 2, 1), 2, 2, 100.0),
        (date(2026, 3, 1), 0, 0, None),
        (date(2026, 4, 1), 3, 0, 0.0),
    ]


def test_the_monthly_share_api_counts_what_the_user_may_see(
    small_book, manager_a, manager_b, hq_admin
):
    query = "/api/v1/referrals/monthly-share/?first=2026-01&last=2026-02"
    mine = api_as(manager_a).get(query)
    assert mine.status_code == 200, mine.content
    assert mine.json() == [
        {"month": "2026-01", "new_customers": 4, "referred": 1, "share": 25.0},
        {"month": "2026-02", "new_customers": 2, "referred": 2, "share": 100.0},
    ]
    theirs = api_as(manager_b).get(query).json()
    assert theirs[0] == {
        "month": "2026-01",
        "new_customers": 1,
        "referred": 1,
        "share": 100.0,
    }
    network = api_as(hq_admin).get(query).json()
    assert network[0]["new_customers"] == 5 and network[0]["referred"] == 2


@pytest.mark.parametrize(
    "query, field",
    [
        ("first=2026-13", "first"),
        ("last=soon", "last"),
        ("first=2026-05&last=2026-01", "first"),
        ("first=2020-01&last=2026-01", "first"),
    ],
)
def test_the_monthly_share_api_refuses_bad_months_with_a_reason(
    manager_a, query, field
):
    response = api_as(manager_a).get(f"/api/v1/referrals/monthly-share/?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_the_monthly_share_api_refuses_a_month_not_yet_begun(manager_a):
    today = timezone.localdate()
    ahead = date(today.year + 1, today.month, 1).strftime("%Y-%m")
    response = api_as(manager_a).get(f"/api/v1/referrals/monthly-share/?last={ahead}")
    assert response.status_code == 400
    assert "last" in response.json()["error"]["fields"]


# --- Who referred whom ----------------------------------------------------------------


@pytest.fixture
def referrals(outlet_a, account_manager_a):
    """Two account managers of outlet A: am_a's customer referred a customer
    of colleague am_2; am_2's customer referred another of am_2's."""
    colleague = make_staff("am_2", Role.ACCOUNT_MANAGER, outlet_a)
    referrer = make_customer(outlet_a, account_manager=account_manager_a)
    to_colleague = make_customer(
        outlet_a, account_manager=colleague, referred_by=referrer
    )
    other_referrer = make_customer(outlet_a, account_manager=colleague)
    theirs = make_customer(
        outlet_a, account_manager=colleague, referred_by=other_referrer
    )
    return referrer, to_colleague, theirs, colleague


def test_an_account_manager_sees_referrals_their_customers_made_or_received(
    referrals, account_manager_a, manager_a, manager_b
):
    referrer, to_colleague, theirs, colleague = referrals
    assert list(referrals_for(account_manager_a)) == [to_colleague]
    assert set(referrals_for(colleague)) == {to_colleague, theirs}
    assert set(referrals_for(manager_a)) == {to_colleague, theirs}
    assert not referrals_for(manager_b).exists()
    assert set(Referral.objects.all()) == {to_colleague, theirs}


def test_managers_list_referrals_per_account_manager(referrals, manager_a):
    _referrer, to_colleague, theirs, colleague = referrals
    api = api_as(manager_a)
    listed = api.get(f"/api/v1/referrals/?account_manager={colleague.pk}").json()
    assert {row["id"] for row in listed["results"]} == {to_colleague.pk, theirs.pk}
    # am_a's customer made the referral: it is on am_a's list too.
    by_am_a = referrals_filtered(
        referrals_for(manager_a),
        account_manager_id=to_colleague.referred_by.account_manager_id,
    )
    assert list(by_am_a) == [to_colleague]
    row = next(r for r in listed["results"] if r["id"] == to_colleague.pk)
    assert row["referred_by"] == to_colleague.referred_by_id
    assert row["first_shipment_at"] is None and row["thanked"] is False


def test_hq_lists_referrals_per_outlet(referrals, hq_admin, outlet_a, outlet_b):
    api = api_as(hq_admin)
    assert (
        len(api.get(f"/api/v1/referrals/?outlet={outlet_a.pk}").json()["results"]) == 2
    )
    assert api.get(f"/api/v1/referrals/?outlet={outlet_b.pk}").json()["results"] == []


def test_the_referral_page_lists_them_and_refuses_couriers(
    client, referrals, manager_a, courier_a
):
    client.force_login(manager_a)
    page = client.get("/care/referrals/")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(referrals[1]) in html and str(referrals[0]) in html
    assert 'id="referral-share"' in html
    client.force_login(courier_a)
    assert client.get("/care/referrals/").status_code == 403


# --- Thanking the referrer ------------------------------------------------------------


def test_the_referrer_s_account_manager_is_thanked_when_the_referral_first_ships(
    referrals, account_manager_a
):
    referrer, to_colleague, _theirs, _colleague = referrals
    shipment = make_shipment(to_colleague, created_at=NOON)
    assert referral_thanks_scan(now=NOON + timedelta(minutes=5)) >= 1
    thanks = FollowUp.objects.get(kind=FollowUpKind.REFERRAL_THANKS, customer=referrer)
    assert thanks.owner == account_manager_a
    assert thanks.source_key == f"referral-thanks:{to_colleague.pk}"
    assert shipment.waybill in thanks.note
    assert thanks.due_at > NOON


def test_the_thanks_come_once_however_often_the_referral_ships_or_the_scan_runs(
    referrals,
):
    _referrer, to_colleague, _theirs, _colleague = referrals
    make_shipment(to_colleague, created_at=NOON)
    referral_thanks_scan(now=NOON + timedelta(minutes=5))
    make_shipment(to_colleague, created_at=NOON + timedelta(hours=1))
    assert referral_thanks_scan(now=NOON + timedelta(hours=2)) == 0
    assert referral_thanks_scan(now=NOON + timedelta(hours=3)) == 0
    assert (
        FollowUp.objects.filter(source_key=f"referral-thanks:{to_colleague.pk}").count()
        == 1
    )


def test_a_referral_who_shipped_before_is_not_thanked_for_a_later_parcel(referrals):
    _referrer, to_colleague, _theirs, _colleague = referrals
    make_shipment(to_colleague, created_at=NOON - timedelta(days=30))
    make_shipment(to_colleague, created_at=NOON)
    assert referral_thanks_scan(now=NOON + timedelta(minutes=5)) == 0
    assert not FollowUp.objects.filter(kind=FollowUpKind.REFERRAL_THANKS).exists()


def test_a_first_shipment_older_than_a_week_is_not_thanked_for_now(referrals):
    _referrer, to_colleague, _theirs, _colleague = referrals
    make_shipment(to_colleague, created_at=NOON - timedelta(days=8))
    assert referral_thanks_scan(now=NOON) == 0


def test_a_customer_nobody_referred_raises_no_thanks(customer_a):
    make_shipment(customer_a, created_at=NOON)
    assert referral_thanks_scan(now=NOON + timedelta(minutes=5)) == 0


def test_the_list_shows_the_first_parcel_and_the_thanks(referrals, manager_a):
    _referrer, to_colleague, _theirs, _colleague = referrals
    make_shipment(to_colleague, created_at=NOON)
    referral_thanks_scan(now=NOON + timedelta(minutes=5))
    listed = api_as(manager_a).get("/api/v1/referrals/").json()["results"]
    row = next(r for r in listed if r["id"] == to_colleague.pk)
    assert row["thanked"] is True and row["first_shipment_at"] is not None
