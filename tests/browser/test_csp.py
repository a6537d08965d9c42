"""The Content-Security-Policy in a real browser: pages run with nothing blocked.

Chromium reports every blocked script, style or handler as a console error and
a ``securitypolicyviolation`` event; a page that needs one of them broke.
"""

import pytest
from django.utils import timezone

from customers.services import progress_link_for

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def watched(desk):
    """The desk page, with every CSP violation and console error recorded."""
    errors = []

    def on_console(message) -> None:
        # A 404 (the favicon, the page under test) is not what this looks for.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    desk.on("console", on_console)
    desk.on("pageerror", lambda error: errors.append(str(error)))
    desk.add_init_script(RECORD_VIOLATIONS)
    desk.errors = errors
    return desk


def assert_clean(page) -> None:
    violations = page.evaluate("window.__violations")
    assert violations == [], violations
    assert page.errors == [], page.errors


def test_staff_pages_run_under_the_policy(watched, account_manager_a, customer_a):
    log_in(watched, "am_a")
    for path in ("/account/api-token/", f"/customers/{customer_a.pk}/"):
        response = watched.goto(path)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        # The menu (Bootstrap's script) still opens: scripts from 'self' run.
        watched.get_by_role("link", name="My API token").first.wait_for(
            state="attached"
        )
        assert_clean(watched)


def test_swagger_ui_renders_under_the_policy(watched, account_manager_a):
    log_in(watched, "am_a")

    watched.goto("/api/docs/")
    watched.locator(".swagger-ui .info .title").wait_for()
    watched.locator(".opblock").first.wait_for()

    assert "Outlet CRM API" in watched.locator(".swagger-ui .info .title").inner_text()
    assert_clean(watched)


def test_the_login_page_and_the_progress_board_run_under_the_policy(
    watched, customer_a
):
    link = progress_link_for(customer_a, now=timezone.now())

    watched.goto("/login/")
    assert_clean(watched)
    watched.goto(f"/p/{link.token}/")
    assert_clean(watched)


def test_the_go_back_button_works_without_an_inline_handler(watched, account_manager_a):
    log_in(watched, "am_a")
    watched.goto("/account/api-token/")
    watched.goto("/no-such-page/")

    watched.get_by_role("button", name="Go back").click()
    watched.wait_for_url("**/account/api-token/")

    assert_clean(watched)
