"""A Chinese browser submits the forms with their pre-filled dates and times."""

import pytest

from customers.models import CustomerNote

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chinese_desk(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        base_url=live_server.url,
        locale="zh-CN",
    )
    yield context.new_page()
    context.close()


def test_account_manager_adds_a_note_in_chinese_without_touching_the_date(
    chinese_desk, account_manager_a, customer_a
):
    page = chinese_desk
    log_in(page, "am_a")
    page.goto(f"/customers/{customer_a.pk}/")
    date_input = page.locator("input[name=noted_on]")
    assert date_input.input_value() != ""  # the browser accepted the ISO value
    page.fill("textarea[name=text]", "周三上午10点前揽收")
    page.get_by_role("button", name="添加备注").click()
    page.wait_for_load_state()
    note = CustomerNote.objects.get(customer=customer_a)
    assert note.text == "周三上午10点前揽收"
    assert note.noted_on.isoformat() == date_input.input_value()
