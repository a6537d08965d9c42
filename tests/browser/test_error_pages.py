"""Error pages on a 360 px phone: no wider than the screen, thumb-sized ways back."""

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SMALL_PHONE = {"width": 360, "height": 740}


@pytest.fixture
def small_phone(browser, live_server, settings):
    settings.DEBUG = False
    context = browser.new_context(
        viewport=SMALL_PHONE,
        base_url=live_server.url,
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-Hans"},
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


def _fits_with_a_way_back(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"], f"{width} px wide"
    for name in ("返回我的首页", "返回上一页"):
        target = page.get_by_role("link", name=name).or_(
            page.get_by_role("button", name=name)
        )
        box = target.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44, (name, box)


def test_not_found_page_fits_a_small_phone_and_leads_home(small_phone, courier_a):
    log_in(small_phone, "courier_a")
    response = small_phone.goto("/no-such-page/")
    assert response.status == 404
    assert small_phone.get_by_role("heading", name="页面不存在").is_visible()
    _fits_with_a_way_back(small_phone)
    small_phone.get_by_role("link", name="返回我的首页").click()
    small_phone.wait_for_load_state()
    assert small_phone.url.endswith("/shipments/pickups/")


def test_server_error_page_fits_a_small_phone(small_phone, manager_a, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("customers.views.customers_for", boom)
    log_in(small_phone, "manager_a")
    response = small_phone.goto("/customers/")
    assert response.status == 500
    assert small_phone.get_by_role("heading", name="出错了").is_visible()
    _fits_with_a_way_back(small_phone)
