"""Damage reported on a phone reaches the board; the customer sees the plan."""

from pathlib import Path

import pytest
from django.utils import timezone

from customers.services import progress_link_for
from shipments.models import Problem, ProblemStage

from ..conftest import make_shipment
from .conftest import PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_courier_reports_damage_manager_responds_and_customer_sees_the_plan(
    browser, live_server, phone, desk, customer_a, courier_a, manager_a
):
    make_shipment(customer_a, waybill="SF7000000001", created_at=timezone.now())

    log_in(phone, "courier_a")
    phone.goto("/problems/report/")
    phone.fill("input[name=waybill]", "SF7000000001")
    phone.locator("label", has_text="Damage").first.click()
    phone.fill("textarea[name=description]", "Box crushed, flowers broken")
    phone.get_by_role("button", name="Report problem").click()
    phone.wait_for_load_state()
    problem = Problem.objects.get(shipment__waybill="SF7000000001")
    assert problem.reported_by == courier_a

    log_in(desk, "manager_a")
    desk.goto("/problems/")
    desk.get_by_text("Box crushed").first.wait_for()
    desk.goto(f"/problems/{problem.pk}/")
    desk.fill("textarea[name=note]", "Called Ms Li: sorry, we are on it")
    desk.get_by_role("button", name="Record the response").click()
    desk.wait_for_load_state()
    desk.fill("textarea[name=note]", "Fresh flowers from a local florist")
    desk.fill("textarea[name=handling_plan]", "Local florist delivers by 18:00")
    desk.locator("form[action$='/offer-solution/'] button[type=submit]").click()
    desk.wait_for_load_state()
    problem.refresh_from_db()
    assert problem.stage == ProblemStage.SOLUTION_OFFERED
    assert problem.responded_at is not None

    token = progress_link_for(customer_a, now=timezone.now()).token
    customer = browser.new_context(
        viewport=PHONE, base_url=live_server.url, locale="en-US"
    ).new_page()
    customer.goto(f"/p/{token}/?lang=en")
    assert customer.get_by_text("Local florist delivers by 18:00").is_visible()
    assert "SF7000000001" in customer.content()
    SHOTS.mkdir(exist_ok=True)
    customer.screenshot(path=str(SHOTS / "progress-board.png"), full_page=True)
    customer.context.close()
