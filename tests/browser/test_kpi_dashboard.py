"""The outlet manager opens the KPI dashboard: the charts draw, and a number
opens the list of the customers behind it."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from followups.kpis.months import bounds, last_complete_month
from tests.browser.conftest import log_in
from tests.browser.test_csp import RECORD_VIOLATIONS, assert_clean
from tests.conftest import make_customer
from tests.followups.kpi_data import ship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watched(desk):
    """The desk page with CSP violations and console errors recorded: the
    charts must draw (and show their tooltips) under the policy."""
    errors = []
    desk.on(
        "console",
        lambda m: m.type == "error"
        and "Failed to load resource" not in m.text
        and errors.append(m.text),
    )
    desk.on("pageerror", lambda error: errors.append(str(error)))
    desk.add_init_script(RECORD_VIOLATIONS)
    desk.errors = errors
    return desk


def test_the_manager_sees_the_charts_and_opens_the_customers_behind_a_number(
    watched, outlet_a, manager_a
):
    cache.clear()
    month = last_complete_month(timezone.now())
    start, _end = bounds(month)
    gone = make_customer(outlet_a, name="Bayberry Orchard")
    # The last parcel turns 60 days old half a day into the month: churned then.
    ship(gone, start - timedelta(days=60) + timedelta(hours=12))
    page = watched
    log_in(page, "manager_a")
    page.goto(f"/care/kpis/?month={month:%Y-%m}")
    page.wait_for_selector("[data-kpi-chart] canvas")
    charts = page.locator("[data-kpi-chart]")
    assert charts.count() == 5
    for index in range(charts.count()):
        assert charts.nth(index).locator("canvas, svg").count() >= 1
    chart = charts.first.bounding_box()
    page.mouse.move(chart["x"] + chart["width"] * 0.9, chart["y"] + chart["height"] / 2)
    page.wait_for_timeout(300)  # the tooltip is drawn on the next frames
    assert_clean(page)
    churn = page.locator('#kpi-table tr[data-metric="churn"] [data-kpi-link]').first
    assert churn.inner_text() == "100.0 %"
    churn.click()
    page.wait_for_load_state()
    assert "/care/kpis/customers/" in page.url
    assert "Bayberry Orchard" in page.locator("#kpi-customers").inner_text()
