"""Accounts: login throttling, password rules, API tokens, disabling staff."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from outlets.models import ApiToken, Role, Staff
from outlets.services import api_token_issue, staff_disable

from .conftest import make_staff

pytestmark = pytest.mark.django_db

# Documentation addresses (RFC 5737): only strings in REMOTE_ADDR, no traffic.
HOME_IP, OTHER_IP = "192.0.2.10", "198.51.100.20"
LIMIT = 5


@pytest.fixture(autouse=True)
def _throttle(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def log_in(client, username, password, *, ip=HOME_IP, path="/login/", **headers):
    return client.post(
        path, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def token_login(username, password, *, ip=HOME_IP, **headers):
    return Client().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
        **headers,
    )


def fail(times, username, **kwargs):
    for _ in range(times):
        log_in(Client(), username, "wrong-password", **kwargs)


# --- Login throttling --------------------------------------------------------


def test_five_failures_lock_the_account_even_with_the_right_password(
    account_manager_a,
):
    fail(LIMIT, "am_a")

    locked = log_in(Client(), "am_a", "pw-am_a")

    assert locked.status_code == 429
    assert "Login locked" in locked.text
    assert "15 minutes" in locked.text
    assert "_auth_user_id" not in locked.wsgi_request.session


def test_four_failures_then_the_right_password_logs_in(account_manager_a):
    fail(LIMIT - 1, "am_a")

    response = log_in(Client(), "am_a", "pw-am_a")

    assert response.status_code == 302
    assert AccessLog.objects.filter(username="am_a").exists()


def test_the_lock_follows_the_account_to_another_address(account_manager_a):
    fail(LIMIT, "am_a", ip=HOME_IP)

    response = log_in(Client(), "am_a", "pw-am_a", ip=OTHER_IP)

    assert response.status_code == 429


def test_many_accounts_guessed_from_one_address_lock_the_address(account_manager_a):
    for number in range(LIMIT):
        fail(1, f"guess{number}", ip=OTHER_IP)

    from_there = log_in(Client(), "am_a", "pw-am_a", ip=OTHER_IP)
    from_home = log_in(Client(), "am_a", "pw-am_a")

    assert from_there.status_code == 429
    assert from_home.status_code == 302


def test_the_lockout_page_is_in_chinese_for_a_chinese_browser(account_manager_a):
    fail(LIMIT, "am_a")

    locked = log_in(
        Client(),
        "am_a",
        "pw-am_a",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert locked.status_code == 429
    assert "登录已锁定" in locked.text
    assert "15 分钟" in locked.text


def test_a_lockout_is_recorded_and_logged_without_the_phone_number(caplog):
    phone = "13800138000"  # typed into the username field
    caplog.set_level(logging.INFO)

    fail(LIMIT + 1, phone)

    attempt = AccessAttempt.objects.get(username=phone)
    assert attempt.failures_since_start >= LIMIT
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    refused = [line for line in warnings if "Login refused" in line]
    assert refused and "138****8000" in refused[0] and HOME_IP in refused[0]
    assert not any(phone in record.getMessage() for record in caplog.records)


def test_the_admin_login_is_throttled_too(manager_a):
    admin_login = reverse("admin:login")
    fail(LIMIT, "manager_a", path=admin_login)

    response = log_in(Client(), "manager_a", "pw-manager_a", path=admin_login)

    assert response.status_code == 429
    assert "Login locked" in response.text


def test_the_api_token_endpoint_is_throttled_in_the_error_shape(account_manager_a):
    for _ in range(LIMIT - 1):
        assert token_login("am_a", "nope").status_code == 401
    assert token_login("am_a", "nope").status_code == 429  # the one that locks

    response = token_login("am_a", "pw-am_a", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "locked_out"
    assert "15" in error["message"] and "登录" in error["message"]
    assert not ApiToken.objects.exists()


# --- Password rules ----------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "83726451983", "wangfang88!"],
    ids=["too short", "common", "numeric", "like the username"],
)
def test_weak_passwords_are_refused(outlet_a, password):
    staff = make_staff("wangfang88", Role.ACCOUNT_MANAGER, outlet_a)

    with pytest.raises(ValidationError):
        password_validation.validate_password(password, staff)


def test_the_demo_password_passes_the_rules(account_manager_a):
    password_validation.validate_password("demo-pass-123", account_manager_a)


def test_password_rules_speak_chinese(account_manager_a):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        password_validation.validate_password("83726451983", account_manager_a)

    assert "数字" in " ".join(refused.value.messages)


# --- API tokens --------------------------------------------------------------


def with_token(key: str, path: str = "/api/v1/customers/"):
    return Client().get(path, HTTP_AUTHORIZATION=f"Token {key}")


def test_an_account_manager_gets_a_token_that_works(account_manager_a):
    response = token_login("am_a", "pw-am_a")

    assert response.status_code == 201
    key = response.json()["token"]
    assert with_token(key).status_code == 200
    stored = ApiToken.objects.get(user=account_manager_a)
    assert key not in (stored.digest, stored.token_key)  # only a hash is kept


def test_a_wrong_password_gets_no_token(account_manager_a):
    response = token_login("am_a", "nope")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert AccessAttempt.objects.filter(username="am_a").exists()


def test_a_revoked_token_stops_working(account_manager_a):
    _, key = api_token_issue(staff=account_manager_a, now=timezone.now())

    revoked = Client().delete("/api/v1/me/token/", HTTP_AUTHORIZATION=f"Token {key}")

    assert revoked.status_code == 204
    assert with_token(key).status_code == 401


def test_a_new_token_replaces_the_old_one(account_manager_a):
    _, old = api_token_issue(staff=account_manager_a, now=timezone.now())

    response = Client().post("/api/v1/me/token/", HTTP_AUTHORIZATION=f"Token {old}")

    assert response.status_code == 201
    assert with_token(response.json()["token"]).status_code == 200
    assert with_token(old).status_code == 401


def test_a_token_expires_after_api_token_days(account_manager_a, settings):
    settings.API_TOKEN_DAYS = 7
    now = timezone.now()
    _, fresh = api_token_issue(staff=account_manager_a, now=now - timedelta(days=6))
    fresh_token = ApiToken.objects.get(user=account_manager_a)
    assert fresh_token.expiry == now - timedelta(days=6) + timedelta(days=7)
    assert with_token(fresh).status_code == 200

    _, stale = api_token_issue(staff=account_manager_a, now=now - timedelta(days=8))

    assert with_token(stale).status_code == 401


def test_a_token_stops_working_when_the_password_changes(account_manager_a):
    _, key = api_token_issue(staff=account_manager_a, now=timezone.now())

    account_manager_a.set_password("a-new-long-passphrase")
    account_manager_a.save()

    response = with_token(key)
    assert response.status_code == 401
    assert "password" in response.json()["error"]["message"]


def test_a_token_stops_working_when_the_account_is_disabled(account_manager_a):
    _, key = api_token_issue(staff=account_manager_a, now=timezone.now())

    staff_disable(staff=account_manager_a, now=timezone.now())
    account_manager_a.is_active = True
    account_manager_a.save(update_fields=["is_active"])

    assert with_token(key).status_code == 401


def test_my_token_shows_mine_only_and_never_the_key(account_manager_a, outlet_a):
    other = make_staff("am_other", Role.ACCOUNT_MANAGER, outlet_a)
    api_token_issue(staff=other, now=timezone.now())
    _, key = api_token_issue(staff=account_manager_a, now=timezone.now())

    mine = Client().get("/api/v1/me/token/", HTTP_AUTHORIZATION=f"Token {key}").json()

    assert mine["token_key"] == key[:4]
    assert key not in str(mine)
    assert ApiToken.objects.filter(user=other).exists()


def test_the_my_api_token_page_issues_shows_once_and_revokes(account_manager_a):
    client = Client()
    client.force_login(account_manager_a)
    page = reverse("api-token")

    navigation = client.get(page)
    issued = client.post(page, {"action": "issue"})
    key = issued.context["issued_key"]
    works = with_token(key).status_code
    again = client.get(page)
    revoked = client.post(page, {"action": "revoke"}, follow=True)

    assert f'href="{page}"' in navigation.text
    assert key in issued.text and works == 200
    assert "no-store" in issued["Cache-Control"]
    assert key not in again.text and "is live" in again.text
    assert "no live API token" in revoked.text
    assert with_token(key).status_code == 401


# --- Sessions ------------------------------------------------------------------


def test_a_staff_login_lasts_a_day_not_two_weeks(account_manager_a):
    client = Client()

    response = log_in(client, "am_a", "pw-am_a")

    assert response.status_code == 302
    assert client.session.get_expiry_age() == 24 * 60 * 60
    assert response.cookies["sessionid"]["max-age"] == 24 * 60 * 60


# --- Disabling staff -----------------------------------------------------------


def logged_in_client(staff) -> Client:
    client = Client()
    assert log_in(client, staff.username, "pw-" + staff.username).status_code == 302
    return client


def test_disabling_ends_sessions_so_enabling_again_brings_none_back(
    account_manager_a, manager_a
):
    theirs = logged_in_client(account_manager_a)
    other = logged_in_client(manager_a)

    staff_disable(staff=account_manager_a, now=timezone.now())
    account_manager_a.is_active = True
    account_manager_a.save(update_fields=["is_active"])

    assert theirs.get(reverse("api-token")).status_code == 302  # to log in
    assert other.get(reverse("api-token")).status_code == 200
    assert Session.objects.count() == 1


def superuser_client() -> Client:
    client = Client()
    client.force_login(Staff.objects.create_superuser("root", password="pw-root"))
    return client


def test_unticking_active_in_the_admin_disables_through_the_service(
    account_manager_a,
):
    theirs = logged_in_client(account_manager_a)
    api_token_issue(staff=account_manager_a, now=timezone.now())
    admin = superuser_client()
    url = reverse("admin:outlets_staff_change", args=[account_manager_a.pk])
    form = admin.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "groups", "user_permissions")
    }
    data.update(
        role=account_manager_a.role,
        outlet=account_manager_a.outlet_id,
        date_joined_0=account_manager_a.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=account_manager_a.date_joined.strftime("%H:%M:%S"),
    )
    data.pop("is_active", None)
    data.pop("date_joined", None)

    response = admin.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    account_manager_a.refresh_from_db()
    assert not account_manager_a.is_active
    assert not ApiToken.objects.filter(user=account_manager_a).exists()
    assert theirs.get(reverse("api-token")).status_code == 302


def test_the_admin_action_disables_and_logs_out(account_manager_a):
    theirs = logged_in_client(account_manager_a)
    admin = superuser_client()

    admin.post(
        reverse("admin:outlets_staff_changelist"),
        {"action": "disable", "_selected_action": [account_manager_a.pk]},
    )

    account_manager_a.refresh_from_db()
    assert not account_manager_a.is_active
    assert theirs.get(reverse("api-token")).status_code == 302
