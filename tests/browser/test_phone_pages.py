"""Every page a courier opens fits a 360 px phone, one thumb, gloves on.

On each page at a 360x740 viewport: no horizontal scroll, the navigation is
one row, and every visible control (links, buttons, fields, the labels that
stand in for check boxes and radio buttons, summaries) is at least 44 px tall
and wide. The menu is opened too, so its contents are measured as well.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.text import slugify

from customers.services import progress_link_for
from shipments.models import Milestone
from shipments.pickups.services import pickup_accept, pickup_contact
from shipments.problems.services import problem_report

from ..conftest import make_pickup, make_shipment
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
SMALL_PHONE = {"width": 360, "height": 740}
TAP = 44
LONG_ADDRESS = (
    "浙江省杭州市西湖区文三路华星时代广场A座十二楼1202室（请从北门进，电梯右转）"
    " Building-12-Unit-3-Room-1502-Xinhua-Road-Industrial-Park-North-Gate"
)

# Measures the page in the browser: its width, the rows of the navigation bar
# and every visible control smaller than a thumb.
MEASURE = """
(tap) => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    return el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  };
  const controls = "a[href], button, input:not([type=hidden]), select, textarea, "
    + "summary, label[for]";
  const small = [];
  for (const el of document.querySelectorAll(controls)) {
    if (el.tagName === "LABEL") {
      const input = document.getElementById(el.htmlFor);
      if (!input || !["checkbox", "radio"].includes(input.type)) continue;
    }
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height < tap - 0.5 || r.width < tap - 0.5) {
      const name = (el.innerText || el.value || el.name || el.outerHTML).trim();
      small.push(`${el.tagName} "${name.slice(0, 40)}" ${r.width | 0}x${r.height | 0}`);
    }
  }
  const nav = document.querySelector("nav.navbar");
  const centres = [];
  if (nav) {
    for (const el of nav.querySelectorAll("a[href], button, select")) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      centres.push(r.top + r.height / 2);
    }
  }
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > document.documentElement.clientWidth + 0.5 && r.width > 0) {
      wide.push(`${el.tagName}.${el.className} ${r.left | 0}-${r.right | 0}`);
    }
  }
  return {
    wide: wide.slice(0, 5),
    width: document.documentElement.scrollWidth,
    small: small,
    navSpread: centres.length ? Math.max(...centres) - Math.min(...centres) : 0,
  };
}
"""


@pytest.fixture(params=["zh-CN", "en-US"])
def small_phone(request, browser, live_server):
    context = browser.new_context(
        viewport=SMALL_PHONE,
        base_url=live_server.url,
        locale=request.param,
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


def assert_fits_a_small_phone(page, where: str) -> None:
    page.wait_for_load_state()
    SHOTS.mkdir(exist_ok=True)
    name = slugify(f"phone {page.evaluate('navigator.language')} {where}")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    for opened in (False, True):
        found = page.evaluate(MEASURE, TAP)
        state = "menu open" if opened else "menu closed"
        assert found["width"] <= SMALL_PHONE["width"], (where, state, found)
        assert found["small"] == [], (where, state, found["small"])
        if not opened:
            assert found["navSpread"] < 8, (where, "navigation wraps", found)
        toggler = page.locator("nav .navbar-toggler")
        if opened or toggler.count() == 0 or not toggler.is_visible():
            return
        toggler.click()
        page.locator("#main-nav.show").wait_for()
        page.wait_for_timeout(400)  # the collapse animation settles


def test_every_courier_page_fits_a_360_px_phone_with_44_px_targets(
    small_phone, customer_a, courier_a, account_manager_a
):
    page = small_phone
    now = timezone.now()
    customer = customer_a
    customer.address = LONG_ADDRESS
    customer.save(update_fields=["address"])
    customer.habits.packaging_preference = "Always the No. 3 carton"
    customer.habits.days_unavailable = [5, 6]
    customer.habits.save()
    waiting = make_pickup(customer, now=now, fragile=True, goods_description="Vases")
    waiting.address = LONG_ADDRESS
    waiting.save(update_fields=["address"])
    to_contact = make_pickup(customer, now=now)
    pickup_accept(pickup=to_contact, courier=courier_a, now=now)
    to_pick = make_pickup(customer, now=now, valuable=True)
    pickup_accept(pickup=to_pick, courier=courier_a, now=now)
    pickup_contact(pickup=to_pick, courier=courier_a, method="called", now=now)
    shipment = make_shipment(customer, created_at=now, goods_description="Fruit")
    problem_report(
        customer=customer,
        shipment=shipment,
        kind="delay",
        description="Jam on the motorway",
        reported_by=None,
        now=now,
    )

    page.goto("/login/")
    assert_fits_a_small_phone(page, "login")

    log_in(page, "courier_a")
    page.goto("/shipments/pickups/")
    assert_fits_a_small_phone(page, "pickups")
    address = page.locator(f"[data-pickup='{waiting.pk}'] .address")
    assert address.inner_text() == LONG_ADDRESS
    assert address.evaluate("el => el.scrollWidth <= el.clientWidth")

    for step, pickup in (
        ("accept", waiting),
        ("contact", to_contact),
        ("pick up", to_pick),
    ):
        page.goto(f"/shipments/pickups/{pickup.pk}/")
        assert_fits_a_small_phone(page, f"pickup to {step}")

    page.goto(f"/shipments/pickups/{waiting.pk}/")
    # Accepting shows a message with its close button.
    page.locator(f"form[action$='/{waiting.pk}/accept/'] button").click()
    assert_fits_a_small_phone(page, "pickup accepted, with a message")

    open_customer_page(page, customer, "customer page, courier")

    page.goto("/problems/report/")
    for summary in page.locator("main details summary").all():
        summary.click()
    assert_fits_a_small_phone(page, "problem report")

    for missing in ("/shipments/pickups/99999999/", "/service/board/"):
        page.goto(missing)
        assert_fits_a_small_phone(page, f"error page {missing}")

    # The account manager's view of the same page has every form of the file.
    page.context.clear_cookies()
    log_in(page, "am_a")
    open_customer_page(page, customer, "customer page, account manager")


def open_customer_page(page, customer, where: str) -> None:
    page.goto(f"/customers/{customer.pk}/")
    for summary in page.locator("main details summary").all():
        summary.click()
    assert_fits_a_small_phone(page, where)


def test_the_progress_board_fits_a_360_px_phone_with_44_px_targets(
    small_phone, customer_a
):
    now = timezone.now()
    moving = make_shipment(
        customer_a,
        created_at=now - timedelta(hours=5),
        goods_description="新鲜杨梅 " * 8,
        expected_arrival=now + timedelta(hours=5),
        status="at_sorting_center",
    )
    for kind, hours in (("picked_up", 5), ("at_sorting_center", 1)):
        Milestone.objects.create(
            shipment=moving,
            kind=kind,
            occurred_at=now - timedelta(hours=hours),
            recorded_at=now,
            location="杭州萧山分拨中心-Hangzhou-Xiaoshan-Sorting-Center-North-Hall",
        )
    problem_report(
        customer=customer_a,
        shipment=moving,
        kind="delay",
        description="staff only",
        reported_by=None,
        now=now,
    )
    for day in range(3):
        make_shipment(
            customer_a,
            created_at=now - timedelta(days=day + 1),
            status="signed",
            weight_kg=Decimal("2"),
        )
    link = progress_link_for(customer_a, now=now)

    small_phone.goto(f"/p/{link.token}/")
    assert_fits_a_small_phone(small_phone, "progress board")
    small_phone.goto("/p/not-a-token/")
    assert_fits_a_small_phone(small_phone, "progress link not found")
