"""A courier walks a pickup through on the phone; the manager's board shows it met."""

from pathlib import Path

import pytest
from django.utils import timezone

from clocks.models import Clock, ClockKind, ClockState
from clocks.outbox import deliver_due

from ..conftest import make_pickup
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_courier_accepts_contacts_and_picks_up_and_the_board_shows_the_clock_met(
    phone, desk, customer_a, courier_a, manager_a
):
    customer_a.habits.packaging_preference = "Always the No. 3 carton"
    customer_a.habits.save()
    pickup = make_pickup(
        customer_a, now=timezone.now(), fragile=True, goods_description="Glass vases"
    )

    log_in(phone, "courier_a")
    phone.goto("/shipments/pickups/")
    phone.click(f"a[href='/shipments/pickups/{pickup.pk}/']")
    assert phone.get_by_text("Always the No. 3 carton").is_visible()
    # Not theirs yet: the number is masked and there is nothing to dial.
    assert phone.locator("a[href^='tel:']").count() == 0

    phone.get_by_role("button", name="Accept").click()
    countdown = phone.locator(".countdown").first
    countdown.wait_for()
    assert ":" in countdown.inner_text()
    # Carrying it now: one tap dials the customer.
    assert phone.locator("a[href^='tel:']").first.is_visible()

    phone.get_by_role("button", name="Called").click()
    phone.fill("input[name=pieces]", "2")
    phone.fill("input[name=weight_kg]", "3.4")
    phone.locator("label", has_text="Accepted").click()
    phone.get_by_role("button", name="Picked up").click()
    phone.fill("input[name=waybill]", "SF9000000001")
    SHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SHOTS / "courier-enter.png"), full_page=True)
    phone.get_by_role("button", name="Enter and notify the customer").click()
    phone.wait_for_load_state()

    contact = Clock.objects.get(kind=ClockKind.PICKUP_CONTACT, subject_id=pickup.pk)
    assert contact.state == ClockState.MET
    deliver_due(now=timezone.now())  # the worker's job: tell the customer
    entry = Clock.objects.get(kind=ClockKind.PICKUP_ENTRY, subject_id=pickup.pk)
    assert entry.state == ClockState.MET

    log_in(desk, "manager_a")
    desk.goto("/service/board/")
    row = desk.locator(f"[data-clock='{contact.pk}']")
    assert "Met at" in row.inner_text()
    desk.screenshot(path=str(SHOTS / "manager-board.png"), full_page=True)
