"""Every error answers in its place's shape and the reader's language.

Under /api/: ``{"error": {"code", "message", "fields"}}`` for every status, in
Chinese unless the client asks for English. Pages: the site's layout with a
way back, in the browser's language; 500 with a page that needs nothing that
may have failed. Run with DEBUG off, as in production, unless a test says so.
"""

import json
import logging
import re

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from outlets.error_views import server_error

from .conftest import api_as, make_shipment
from .test_translations import compiled  # noqa: F401 - a fresh .mo

CHINESE = re.compile(r"[\u4e00-\u9fff]")
SECRET = "internal detail 4711"
LANGUAGES = {
    "default": ({}, "zh"),
    "zh-Hans": ({"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}, "zh"),
    "en": ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en"),
}


@pytest.fixture(autouse=True)
def _production(settings, compiled):  # noqa: F811
    settings.DEBUG = False
    # conftest.py makes English the default for other tests; this is the product's.
    settings.LANGUAGE_CODE = "zh-hans"


def _boom(*args, **kwargs):
    raise RuntimeError(SECRET)


# --- The API ------------------------------------------------------------------


def _api_case(case: str, headers: dict, *, manager, courier, monkeypatch):
    """Provoke one error; return the response."""
    api = api_as(manager)
    api.raise_request_exception = False
    customers = "/api/v1/customers/"
    if case == "unknown_url":
        return api.get("/api/v1/no-such-thing/", **headers)
    if case == "unknown_api_root_url":
        return api.get("/api/nothing-here", **headers)
    if case == "unknown_object":
        return api.get(customers + "999999/", **headers)
    if case == "method":
        return api.delete(customers, **headers)
    if case == "media_type":
        return api.post(customers, data="x", content_type="text/plain", **headers)
    if case == "accept":
        return api.get(customers, HTTP_ACCEPT="text/csv", **headers)
    if case == "no_credentials":
        return APIClient().get(customers, **headers)
    if case == "bad_token":
        return APIClient().get(customers, HTTP_AUTHORIZATION="Token nope", **headers)
    if case == "forbidden":
        return api_as(courier).post(customers, {}, format="json", **headers)
    if case == "parse":
        return api.post(
            customers, data='{"name": ', content_type="application/json", **headers
        )
    if case == "invalid":
        return api.post(customers, {"phone": "12"}, format="json", **headers)
    if case == "crash":
        monkeypatch.setattr("customers.api.views.customers_for", _boom)
        return api.get(customers, **headers)
    raise AssertionError(case)


API_CASES = {
    "unknown_url": (404, "not_found"),
    "unknown_api_root_url": (404, "not_found"),
    "unknown_object": (404, "not_found"),
    "method": (405, "method_not_allowed"),
    "media_type": (415, "unsupported_media_type"),
    "accept": (406, "not_acceptable"),
    "no_credentials": (401, "not_authenticated"),
    "bad_token": (401, "authentication_failed"),
    "forbidden": (403, "permission_denied"),
    "parse": (400, "parse_error"),
    "invalid": (400, "invalid"),
    "crash": (500, "server_error"),
}


def _assert_shape(response, status: int, code: str, language: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(response.json()) == {"error"}
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["fields"], dict)
    assert error["message"]
    if language == "zh":
        assert CHINESE.search(error["message"]), error["message"]
    else:
        assert not CHINESE.search(error["message"]), error["message"]
    text = response.content.decode()
    assert "Traceback" not in text and SECRET not in text
    return error


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", API_CASES)
def test_every_api_error_status_answers_the_error_shape_in_the_readers_language(
    case, language, manager_a, courier_a, monkeypatch
):
    headers, expected_language = LANGUAGES[language]
    status, code = API_CASES[case]
    response = _api_case(
        case, headers, manager=manager_a, courier=courier_a, monkeypatch=monkeypatch
    )
    _assert_shape(response, status, code, expected_language)


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["unknown_url", "unknown_api_root_url", "crash"])
def test_api_errors_keep_the_shape_with_debug_on_too(
    case, settings, manager_a, courier_a, monkeypatch
):
    settings.DEBUG = True
    status, code = API_CASES[case]
    response = _api_case(
        case,
        {"HTTP_ACCEPT_LANGUAGE": "en"},
        manager=manager_a,
        courier=courier_a,
        monkeypatch=monkeypatch,
    )
    _assert_shape(response, status, code, "en")


@pytest.mark.django_db
def test_json_parse_error_says_so_in_words_without_the_parsers_english(manager_a):
    response = api_as(manager_a).post(
        "/api/v1/customers/", data="{", content_type="application/json"
    )
    error = _assert_shape(response, 400, "parse_error", "zh")
    assert "JSON" in error["message"]
    assert "parse error" not in error["message"]
    assert "Expecting" not in response.content.decode()


@pytest.mark.django_db
def test_api_crash_is_logged_with_its_traceback_and_answers_no_detail(
    manager_a, monkeypatch, caplog
):
    monkeypatch.setattr("customers.api.views.customers_for", _boom)
    api = api_as(manager_a)
    api.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = api.get("/api/v1/customers/")
    _assert_shape(response, 500, "server_error", "zh")
    crashes = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(crashes) == 1
    assert "/api/v1/customers/" in crashes[0].getMessage()
    assert crashes[0].exc_info and SECRET in str(crashes[0].exc_info[1])


@pytest.mark.django_db
def test_api_errors_keep_their_authenticate_and_allow_headers(api, manager_a):
    response = api.get("/api/v1/customers/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    response = api_as(manager_a).delete("/api/v1/customers/")
    assert response.status_code == 405
    assert "GET" in response["Allow"]


# --- Pages --------------------------------------------------------------------


def _page(response, status: int, language: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'name="viewport"' in page and "width=device-width" in page
    assert 'href="/"' in page, "a way home"
    if language == "zh":
        assert "网点客户管家" in page and 'lang="zh-hans"' in page
    else:
        assert "Outlet CRM" in page and "网点客户管家" not in page
    return page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_unknown_page_answers_404_in_the_site_layout(client, manager_a, language):
    headers, expected = LANGUAGES[language]
    client.force_login(manager_a)
    page = _page(client.get("/no-such-page/", **headers), 404, expected)
    assert 'id="main-nav"' in page, "the site's navigation"
    assert "manager_a" in page, "the layout knows who is logged in"
    assert ("页面不存在" if expected == "zh" else "Page not found") in page


@pytest.mark.django_db
def test_a_customer_out_of_reach_answers_404_in_the_site_layout(client, manager_b):
    client.force_login(manager_b)
    page = _page(client.get("/customers/999999/"), 404, "zh")
    assert "No Customer matches" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_forbidden_page_answers_403_in_the_site_layout(
    client, courier_a, customer_a, language
):
    headers, expected = LANGUAGES[language]
    client.force_login(courier_a)
    response = client.post(f"/p/rotate/{customer_a.pk}/", **headers)
    page = _page(response, 403, expected)
    assert 'id="main-nav"' in page
    assert ("没有权限" if expected == "zh" else "not allowed") in page


@pytest.mark.django_db
def test_expired_form_answers_403_in_the_site_layout_and_says_to_reload(
    courier_a, customer_a
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(courier_a)
    page = _page(client.post(f"/p/rotate/{customer_a.pk}/"), 403, "zh")
    assert 'id="main-nav"' in page
    assert "刷新" in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_bad_request_page_answers_400_in_the_site_layout(client, language):
    headers, expected = LANGUAGES[language]
    response = client.get("/login/", HTTP_HOST="evil.example", **headers)
    page = _page(response, 400, expected)
    assert ("请求无效" if expected == "zh" else "could not be understood") in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_server_error_page_answers_500_translated_with_a_way_back(
    client, manager_a, monkeypatch, language
):
    headers, expected = LANGUAGES[language]
    monkeypatch.setattr("customers.views.customers_for", _boom)
    client.raise_request_exception = False
    client.force_login(manager_a)
    page = _page(client.get("/customers/", **headers), 500, expected)
    assert SECRET not in page and "Traceback" not in page
    assert "history.back()" in page
    assert ("出错了" if expected == "zh" else "Something went wrong") in page


def test_server_error_page_needs_no_database_session_or_user():
    """No database here (no django_db mark): any query would fail the test."""
    request = RequestFactory().get("/customers/")  # no session, no user
    response = server_error(request)
    assert response.status_code == 500
    assert "网点客户管家" in response.content.decode()


def test_server_error_under_api_needs_no_database_either():
    response = server_error(RequestFactory().get("/api/v1/customers/"))
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"


# --- A failing write leaves nothing behind ----------------------------------------


@pytest.mark.django_db
def test_a_page_post_that_fails_after_writing_leaves_no_row(
    client, courier_a, customer_a, monkeypatch
):
    from clocks.models import Clock, Message
    from shipments.models import Problem

    shipment = make_shipment(customer_a)
    # The problem, its clocks and messages are written; then the answer fails.
    monkeypatch.setattr("shipments.problems.views._reported", _boom)
    client.raise_request_exception = False
    client.force_login(courier_a)
    response = client.post(
        "/problems/report/",
        {
            "form": "report",
            "waybill": shipment.waybill,
            "kind": "damage",
            "description": "Corner crushed",
        },
    )
    assert response.status_code == 500
    assert not Problem.objects.exists()
    assert not Clock.objects.filter(kind__startswith="problem").exists()
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_an_api_post_that_fails_after_writing_leaves_no_row(
    courier_a, customer_a, monkeypatch
):
    from clocks.models import Clock, Message
    from shipments.models import Problem
    from shipments.problems.api import ProblemViewSet

    shipment = make_shipment(customer_a)
    monkeypatch.setattr(ProblemViewSet, "_answer", _boom)
    api = api_as(courier_a)
    api.raise_request_exception = False
    response = api.post(
        "/api/v1/problems/",
        {"waybill": shipment.waybill, "kind": "damage", "description": "Wet box"},
        format="json",
    )
    _assert_shape(response, 500, "server_error", "zh")
    assert not Problem.objects.exists()
    assert not Clock.objects.filter(kind__startswith="problem").exists()
    assert not Message.objects.exists()


# --- The outbox still delivers after the request's transaction commits -----------


def _delay(api, shipment):
    from datetime import timedelta

    from django.utils import timezone

    return api.post(
        f"/api/v1/shipments/{shipment.pk}/delay/",
        {
            "reason": "storm",
            "new_expected_at": (timezone.now() + timedelta(hours=5)).isoformat(),
            "plan": "Held at the depot until the road opens",
        },
        format="json",
    )


@pytest.fixture
def enqueued(monkeypatch):
    """Each delivery enqueued, with whether the writing transaction was over."""
    from django.db import connection

    calls = []
    monkeypatch.setattr(
        "clocks.tasks.deliver_messages.delay",
        lambda: calls.append(not connection.in_atomic_block),
    )
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_message_written_by_a_request_is_enqueued_once_the_request_commits(
    customer_a, manager_a, enqueued
):
    from clocks.models import Message

    response = _delay(api_as(manager_a), make_shipment(customer_a))
    assert response.status_code == 201, response.content
    assert Message.objects.filter(template="delay_notice").exists()
    assert enqueued == [True]


@pytest.mark.django_db(transaction=True)
def test_a_request_that_fails_after_writing_a_message_neither_keeps_nor_sends_it(
    customer_a, manager_a, enqueued, monkeypatch
):
    from clocks.models import Message
    from shipments.models import Problem

    monkeypatch.setattr("shipments.tracking.api.shipments.attach_clocks", _boom)
    api = api_as(manager_a)
    api.raise_request_exception = False
    response = _delay(api, make_shipment(customer_a))
    assert response.status_code == 500
    assert not Message.objects.exists() and not Problem.objects.exists()
    assert enqueued == []


def test_a_throttled_request_would_answer_429_in_the_shape_with_retry_after():
    """No endpoint is throttled today; the handler is ready for one that is."""
    from django.utils import translation
    from rest_framework.exceptions import Throttled

    from outlets.api.errors import exception_handler

    with translation.override("zh-hans"):
        response = exception_handler(Throttled(wait=30), {})
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.data["error"]["code"] == "throttled"
    assert CHINESE.search(response.data["error"]["message"])
