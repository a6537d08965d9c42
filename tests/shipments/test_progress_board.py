"""The customer's public progress board (物流进度看板) and its revocable link."""

import secrets
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import ProgressLink
from customers.services import progress_link_for, progress_link_rotate
from shipments.models import Milestone, ShipmentStatus
from shipments.problems.services import (
    problem_offer_solution,
    problem_report,
    problem_respond,
)
from shipments.tracking.selectors import (
    MOVING_SHOWN,
    SIGNED_SHOWN,
    WAITING_SHOWN,
    progress_board,
)

from ..conftest import NOON, make_customer, make_shipment

pytestmark = pytest.mark.django_db


def board_url(link: ProgressLink) -> str:
    return reverse("progress:board", args=[link.token])


def test_board_shows_only_that_customers_shipments_with_milestones_and_plan(
    client, customer_a
):
    now = timezone.now()
    mine = make_shipment(
        customer_a, created_at=now, expected_arrival=now + timedelta(hours=5)
    )
    Milestone.objects.create(
        shipment=mine,
        kind="at_sorting_center",
        occurred_at=now,
        recorded_at=now,
        location="Hangzhou hub",
    )
    problem = problem_report(
        customer=customer_a,
        shipment=mine,
        kind="damage",
        description="internal: courier dropped it",
        reported_by=None,
        now=now,
    )
    problem_respond(problem=problem, note="Called", now=now)
    problem_offer_solution(
        problem=problem,
        note="Re-ship",
        handling_plan="A replacement leaves Hangzhou at 15:00",
        now=now,
    )
    neighbour = make_customer(customer_a.outlet)
    theirs = make_shipment(neighbour, created_at=now)

    response = client.get(board_url(progress_link_for(customer_a, now=now)))
    html = response.content.decode()
    assert response.status_code == 200
    assert mine.waybill in html
    assert "Hangzhou hub" in html
    assert "A replacement leaves Hangzhou at 15:00" in html
    assert theirs.waybill not in html
    assert "courier dropped it" not in html  # staff notes stay inside


def test_board_keeps_unsigned_shipments_and_drops_old_signed_ones(client, customer_a):
    now = timezone.now()
    old_signed = make_shipment(
        customer_a, created_at=now - timedelta(days=40), status=ShipmentStatus.SIGNED
    )
    old_unsigned = make_shipment(
        customer_a,
        created_at=now - timedelta(days=40),
        status=ShipmentStatus.AT_SORTING_CENTER,
    )
    recent_signed = make_shipment(
        customer_a, created_at=now - timedelta(days=3), status=ShipmentStatus.SIGNED
    )
    html = client.get(board_url(progress_link_for(customer_a, now=now))).content
    assert old_signed.waybill.encode() not in html
    assert old_unsigned.waybill.encode() in html
    assert recent_signed.waybill.encode() in html


def test_board_speaks_the_customers_language_and_can_switch(client, outlet_a):
    customer = make_customer(outlet_a, language="zh-hans")
    url = board_url(progress_link_for(customer, now=timezone.now()))
    assert '<html lang="zh-hans">' in client.get(url).content.decode()
    assert '<html lang="en">' in client.get(url + "?lang=en").content.decode()
    assert '<html lang="zh-hans">' in client.get(url + "?lang=xx").content.decode()


def test_board_is_not_indexed_and_sends_no_referrer(client, customer_a):
    url = board_url(progress_link_for(customer_a, now=timezone.now()))
    for response in (client.get(url), client.get("/p/nothing-here/")):
        assert response["X-Robots-Tag"].startswith("noindex")
        assert response["Referrer-Policy"] == "no-referrer"


def test_a_revoked_token_is_404_after_rotation_and_the_new_one_works(
    client, customer_a, manager_a
):
    old = progress_link_for(customer_a, now=timezone.now())
    client.force_login(manager_a)
    response = client.post(reverse("progress:rotate", args=[customer_a.pk]))
    assert response.status_code == 302
    client.logout()
    new = ProgressLink.objects.get(customer=customer_a, revoked_at=None)
    assert new.token != old.token
    assert client.get(board_url(old)).status_code == 404
    assert client.get(board_url(new)).status_code == 200


def test_a_random_token_answers_exactly_like_a_revoked_one(client, customer_a):
    old = progress_link_for(customer_a, now=timezone.now())
    progress_link_rotate(customer=customer_a, now=timezone.now())
    revoked = client.get(board_url(old))
    random = client.get(f"/p/{secrets.token_urlsafe(32)}/")
    assert revoked.status_code == random.status_code == 404
    assert revoked.content == random.content
    assert customer_a.name.encode() not in revoked.content


def test_rotation_is_scoped_to_what_the_staff_member_may_see(
    client, customer_a, manager_b, courier_a
):
    link = progress_link_for(customer_a, now=timezone.now())
    url = reverse("progress:rotate", args=[customer_a.pk])
    client.force_login(manager_b)
    assert client.post(url).status_code == 404
    client.force_login(courier_a)
    assert client.post(url).status_code == 403
    link.refresh_from_db()
    assert link.revoked_at is None


def test_an_expired_link_shows_nothing_and_the_next_message_carries_a_new_one(
    client, customer_a, settings
):
    from customers.services import progress_urls

    settings.PROGRESS_LINK_DAYS = 30
    now = timezone.now()
    old = progress_link_for(customer_a, now=now - timedelta(days=31))
    random = client.get(f"/p/{secrets.token_urlsafe(32)}/")
    expired = client.get(board_url(old))
    assert expired.status_code == 404
    assert expired.content == random.content

    fresh = progress_link_for(customer_a, now=now)
    assert fresh.token != old.token
    assert client.get(board_url(fresh)).status_code == 200
    assert progress_urls([customer_a.pk], now=now)[customer_a.pk].endswith(
        f"/p/{fresh.token}/"
    )
    old.refresh_from_db()
    assert old.revoked_at == now


def test_bulk_links_replace_an_expired_one(customer_a, settings):
    from customers.services import progress_urls

    settings.PROGRESS_LINK_DAYS = 30
    now = timezone.now()
    old = progress_link_for(customer_a, now=now - timedelta(days=31))
    url = progress_urls([customer_a.pk], now=now)[customer_a.pk]
    assert old.token not in url
    assert (
        ProgressLink.objects.filter(customer=customer_a, revoked_at=None).count() == 1
    )


# The board's selection: what moves first, the right state, bounded.


def _scan(shipment, kind: str, at) -> None:
    Milestone.objects.create(
        shipment=shipment, kind=kind, occurred_at=at, recorded_at=at
    )


def _delay(shipment, now) -> None:
    problem_report(
        customer=shipment.customer,
        shipment=shipment,
        kind="delay",
        description="Motorway closed",
        reported_by=None,
        now=now,
    )


def _waybills(part) -> list[str]:
    return [shipment.waybill for shipment in part.shipments]


def test_board_puts_parcels_on_the_way_first_newest_first(customer_a):
    hours = [timedelta(hours=n) for n in range(8)]
    picked_up = make_shipment(
        customer_a, created_at=NOON - hours[3], status=ShipmentStatus.PICKED_UP
    )
    out = make_shipment(
        customer_a, created_at=NOON - hours[1], status=ShipmentStatus.OUT_FOR_DELIVERY
    )
    sorting = make_shipment(
        customer_a, created_at=NOON - hours[2], status=ShipmentStatus.AT_SORTING_CENTER
    )
    signed_with_delay = make_shipment(
        customer_a, created_at=NOON - hours[5], status=ShipmentStatus.SIGNED
    )
    _delay(signed_with_delay, NOON)
    signed = make_shipment(
        customer_a, created_at=NOON - hours[4], status=ShipmentStatus.SIGNED
    )
    waiting = make_shipment(customer_a, created_at=NOON)

    board = progress_board(customer_a, now=NOON)

    assert _waybills(board.moving) == [
        out.waybill,
        sorting.waybill,
        picked_up.waybill,
        signed_with_delay.waybill,
    ]
    assert _waybills(board.waiting) == [waiting.waybill]
    assert _waybills(board.signed) == [signed.waybill]
    assert [p.kind for p in board.moving.shipments[-1].open_problems] == ["delay"]


def test_each_shipment_shows_the_state_of_its_furthest_milestone(customer_a):
    scanned = make_shipment(customer_a, created_at=NOON - timedelta(hours=6))
    _scan(scanned, "picked_up", NOON - timedelta(hours=6))
    _scan(scanned, "at_sorting_center", NOON - timedelta(hours=2))
    delivered = make_shipment(customer_a, created_at=NOON - timedelta(days=1))
    _scan(delivered, "picked_up", NOON - timedelta(days=1))
    _scan(delivered, "signed", NOON - timedelta(hours=3))
    imported = make_shipment(
        customer_a, created_at=NOON - timedelta(days=2), status=ShipmentStatus.SIGNED
    )
    not_picked_up = make_shipment(customer_a, created_at=NOON)

    board = progress_board(customer_a, now=NOON)

    states = {
        s.waybill: s.state
        for part in (board.moving, board.waiting, board.signed)
        for s in part.shipments
    }
    assert states == {
        scanned.waybill: "at_sorting_center",
        delivered.waybill: "signed",
        imported.waybill: "signed",
        not_picked_up.waybill: "created",
    }
    assert _waybills(board.signed) == [delivered.waybill, imported.waybill]
    assert board.signed.shipments[0].signed_at == NOON - timedelta(hours=3)


def test_a_signed_parcel_never_reads_not_picked_up(client, customer_a):
    now = timezone.now()
    signed = make_shipment(
        customer_a, created_at=now - timedelta(days=1), status=ShipmentStatus.SIGNED
    )
    url = board_url(progress_link_for(customer_a, now=now))
    english = client.get(url + "?lang=en").content.decode()
    chinese = client.get(url + "?lang=zh-hans").content.decode()
    assert signed.waybill in english
    assert "Not picked up yet" not in english
    assert "尚未揽收" not in chinese
    assert "签收成功" in chinese


def test_signed_parcels_leave_the_board_a_week_after_their_signature(customer_a):
    signed_last_week = make_shipment(customer_a, created_at=NOON - timedelta(days=9))
    _scan(signed_last_week, "signed", NOON - timedelta(days=8))
    signed_this_week = make_shipment(customer_a, created_at=NOON - timedelta(days=9))
    _scan(signed_this_week, "signed", NOON - timedelta(days=6))

    board = progress_board(customer_a, now=NOON)

    assert _waybills(board.signed) == [signed_this_week.waybill]
    assert board.signed.total == 1


def test_a_key_customers_board_is_bounded_and_counts_what_it_leaves_out(
    client, customer_a
):
    now = timezone.now()
    moving = [
        make_shipment(
            customer_a,
            created_at=now - timedelta(minutes=n),
            status=ShipmentStatus.AT_SORTING_CENTER,
        )
        for n in range(MOVING_SHOWN + 5)
    ]
    for n in range(SIGNED_SHOWN + 3):
        make_shipment(
            customer_a,
            created_at=now - timedelta(hours=n + 1),
            status=ShipmentStatus.SIGNED,
        )
    for n in range(WAITING_SHOWN + 2):
        make_shipment(customer_a, created_at=now - timedelta(minutes=n))

    url = board_url(progress_link_for(customer_a, now=now))
    response = client.get(url + "?lang=en")

    board = response.context["board"]
    assert (board.moving.total, len(board.moving.shipments)) == (35, MOVING_SHOWN)
    assert (board.signed.total, len(board.signed.shipments)) == (23, SIGNED_SHOWN)
    assert (board.waiting.total, len(board.waiting.shipments)) == (12, WAITING_SHOWN)
    html = response.content.decode()
    assert html.count('class="card mb-2 shipment"') == MOVING_SHOWN
    assert moving[0].waybill in html
    assert moving[-1].waybill not in html
    assert "And 5 more on the way." in html


def _busy_customer_board(customer, now, count: int) -> None:
    for n in range(count):
        shipment = make_shipment(
            customer,
            created_at=now - timedelta(hours=n),
            status=ShipmentStatus.AT_SORTING_CENTER,
        )
        _scan(shipment, "picked_up", now - timedelta(hours=n))
        _scan(shipment, "at_sorting_center", now - timedelta(hours=n))
        _delay(shipment, now)
        signed = make_shipment(
            customer, created_at=now - timedelta(hours=n), status=ShipmentStatus.SIGNED
        )
        _scan(signed, "signed", now - timedelta(minutes=n))
        make_shipment(customer, created_at=now - timedelta(hours=n))


def test_the_board_answers_in_a_fixed_number_of_queries(
    client, customer_a, django_assert_num_queries
):
    now = timezone.now()
    url = board_url(progress_link_for(customer_a, now=now))
    _busy_customer_board(customer_a, now, 2)
    # The link with its customer, the counts, then each part: moving (with
    # milestones and open problems), waiting, signed.
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    _busy_customer_board(customer_a, now, 12)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
