"""A customer answers the satisfaction survey on a 360 px phone, one thumb, no
login; as a detractor, and the account manager's day shows the call at once.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from followups.models import FollowUp, FollowUpKind
from followups.surveys.models import Survey
from followups.surveys.services import surveys_after_deliveries
from shipments.models import Milestone, MilestoneKind
from tests.browser.conftest import log_in
from tests.browser.test_phone_pages import SMALL_PHONE, assert_fits_a_small_phone

from ..conftest import make_shipment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(browser, live_server, locale: str):
    return browser.new_context(
        viewport=SMALL_PHONE,
        base_url=live_server.url,
        locale=locale,
        is_mobile=True,
        has_touch=True,
    )


@pytest.fixture
def survey(customer_a) -> Survey:
    now = timezone.now()
    shipment = make_shipment(customer_a, created_at=now - timedelta(days=1))
    Milestone.objects.create(
        shipment=shipment,
        kind=MilestoneKind.SIGNED,
        occurred_at=now - timedelta(minutes=10),
        recorded_at=now - timedelta(minutes=10),
    )
    assert surveys_after_deliveries(now=now, percent=100) == 1
    return Survey.objects.get()


def test_a_detractor_answers_on_a_phone_and_the_account_manager_s_day_shows_the_call(
    browser, live_server, survey, account_manager_a
):
    customer = _phone(browser, live_server, "en-US")
    page = customer.new_page()
    page.goto(f"/s/{survey.token}/")
    assert "How likely are you to recommend us" in page.inner_text("main")
    assert_fits_a_small_phone(page, "survey")
    page.locator("label[for=score-3]").tap()
    page.fill("textarea[name=comment]", "The box arrived wet")
    page.get_by_role("button", name="Send my answer").tap()
    page.wait_for_load_state()
    assert "Thank you for your answer" in page.inner_text("main")
    assert "within 24 hours" in page.inner_text("main")
    assert_fits_a_small_phone(page, "survey thanks")
    customer.close()

    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (3, "The box arrived wet")
    call = FollowUp.objects.get(kind=FollowUpKind.DETRACTOR_CALL)
    assert call.owner == account_manager_a

    staff = _phone(browser, live_server, "en-US")
    day = staff.new_page()
    log_in(day, "am_a")
    assert day.url.endswith("/care/day/")
    card = day.locator(f'[data-follow-up="{call.pk}"]')
    assert "Detractor call" in card.inner_text()
    assert "The box arrived wet" in card.inner_text()
    staff.close()


def test_the_survey_is_chinese_on_a_chinese_phone_and_fits_it(
    browser, live_server, survey
):
    context = _phone(browser, live_server, "zh-CN")
    page = context.new_page()
    page.goto(f"/s/{survey.token}/")
    assert "您有多大可能向朋友或同事推荐我们" in page.inner_text("main")
    assert_fits_a_small_phone(page, "survey chinese")
    context.close()
