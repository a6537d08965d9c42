"""An account manager's morning on a 360 px phone: open the day, complete a
follow-up with one tap on its outcome, and see it on the customer's timeline.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import CustomerNote
from followups.models import FollowUp, FollowUpKind, FollowUpOutcome, FollowUpState
from followups.services import follow_up_create
from tests.browser.conftest import log_in
from tests.browser.test_phone_pages import SMALL_PHONE, assert_fits_a_small_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_360(browser, live_server):
    context = browser.new_context(
        viewport=SMALL_PHONE,
        base_url=live_server.url,
        locale="en-US",
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


def test_account_manager_completes_a_follow_up_on_the_day_and_the_timeline_shows_it(
    phone_360, customer_a, account_manager_a
):
    now = timezone.now()
    customer_a.habits.packaging_preference = "Always the No. 3 carton"
    customer_a.habits.save()
    CustomerNote.objects.create(
        customer=customer_a,
        author=account_manager_a,
        noted_on=timezone.localdate(now),
        text="Collect before 10:00 on Wednesdays",
    )
    visit = follow_up_create(
        by=None,
        customer=customer_a,
        kind=FollowUpKind.RETURN_VISIT,
        due_at=now - timedelta(hours=1),
        owner=account_manager_a,
        note="Ask about the 618 volume",
        now=now - timedelta(days=1),
    )
    page = phone_360
    log_in(page, "am_a")
    assert page.url.endswith("/care/day/")  # the first page they see
    card = page.locator(f'[data-follow-up="{visit.pk}"]')
    assert "Always the No. 3 carton" in card.inner_text()
    assert "Collect before 10:00 on Wednesdays" in card.inner_text()
    assert_fits_a_small_phone(page, "account manager day")

    card.locator("textarea[name=result_note]").fill("Will send 300 more a month")
    card.get_by_role("button", name="More business").tap()
    page.wait_for_load_state()
    assert page.locator(f'[data-follow-up="{visit.pk}"]').count() == 0

    visit.refresh_from_db()
    assert visit.state == FollowUpState.DONE
    assert visit.outcome == FollowUpOutcome.MORE_BUSINESS
    page.goto(f"/customers/{customer_a.pk}/")
    timeline = page.locator("#timeline")
    text = timeline.inner_text()
    assert "Return visit" in text and "More business" in text
    assert "Will send 300 more a month" in text
    assert FollowUp.objects.count() == 1
