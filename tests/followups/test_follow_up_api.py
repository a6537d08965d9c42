"""The follow-up API: list and filters, create by hand, complete, reschedule,
decline, reassign, counts by owner; errors in the one error shape."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clocks.models import Clock, ClockKind, ClockState, SubjectType
from followups.models import FollowUp, FollowUpKind, FollowUpState
from followups.services import follow_up_create
from outlets.models import Role
from tests.conftest import api_as, make_customer, make_staff

pytestmark = pytest.mark.django_db

API = "/api/v1/follow-ups/"


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def visit(customer_a, account_manager_a, now):
    return follow_up_create(
        by=account_manager_a,
        customer=customer_a,
        kind=FollowUpKind.RETURN_VISIT,
        due_at=now + timedelta(hours=2),
        now=now,
    )


def test_an_account_manager_lists_their_follow_ups_and_manager_b_sees_none(
    visit, account_manager_a, manager_b
):
    mine = api_as(account_manager_a).get(API).json()
    assert [row["id"] for row in mine["results"]] == [visit.pk]
    assert mine["results"][0]["owner_name"] == "am_a"
    assert api_as(manager_b).get(API).json()["results"] == []
    assert api_as(manager_b).get(f"{API}{visit.pk}/").status_code == 404


def test_the_list_filters_by_state_kind_owner_and_due_time(
    visit, account_manager_a, manager_a, now
):
    client = api_as(manager_a)
    assert client.get(API, {"state": "done"}).json()["results"] == []
    assert len(client.get(API, {"kind": "return_visit"}).json()["results"]) == 1
    assert client.get(API, {"owner": manager_a.pk}).json()["results"] == []
    later = (now + timedelta(hours=3)).isoformat()
    assert client.get(API, {"due_after": later}).json()["results"] == []
    assert len(client.get(API, {"due_before": later}).json()["results"]) == 1


def test_a_due_filter_outside_the_plausible_window_is_refused_naming_it(manager_a):
    response = api_as(manager_a).get(API, {"due_after": "9999-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert "due_after" in response.json()["error"]["fields"]


def test_an_account_manager_plans_a_follow_up_by_hand(
    customer_a, account_manager_a, now
):
    response = api_as(account_manager_a).post(
        API,
        {
            "customer": customer_a.pk,
            "due_at": (now + timedelta(days=1)).isoformat(),
            "note": "Bring the new cold-box price list",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "manual" and body["owner"] == account_manager_a.pk
    assert body["channel"] == "sms"  # the customer's preferred channel
    assert Clock.objects.filter(
        subject_type=SubjectType.FOLLOW_UP, subject_id=body["id"]
    ).exists()


def test_planning_in_the_past_is_a_field_error_and_saves_nothing(
    customer_a, account_manager_a, now
):
    response = api_as(account_manager_a).post(
        API,
        {"customer": customer_a.pk, "due_at": (now - timedelta(days=2)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["due_at"]
    assert not FollowUp.objects.exists()


def test_planning_for_another_outlets_customer_is_refused(
    customer_b, account_manager_a, now
):
    response = api_as(account_manager_a).post(
        API,
        {"customer": customer_b.pk, "due_at": (now + timedelta(days=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "customer" in response.json()["error"]["fields"]


def test_complete_records_the_outcome_and_meets_the_clock(visit, account_manager_a):
    response = api_as(account_manager_a).post(
        f"{API}{visit.pk}/complete/",
        {"outcome": "satisfied", "result_note": "All good"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "done"
    clock = Clock.objects.get(subject_type=SubjectType.FOLLOW_UP, subject_id=visit.pk)
    assert clock.state == ClockState.MET


def test_completing_without_an_outcome_names_the_field(visit, account_manager_a):
    response = api_as(account_manager_a).post(
        f"{API}{visit.pk}/complete/", {}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["outcome"]


def test_a_follow_up_completed_by_another_account_managers_login_is_a_translated_403(
    visit, outlet_a, customer_a
):
    colleague = make_staff("am_a2", Role.ACCOUNT_MANAGER, outlet_a)
    # The colleague can see it only if it concerns one of their customers.
    customer_a.account_manager = colleague
    customer_a.save()
    response = api_as(colleague).post(
        f"{API}{visit.pk}/complete/",
        {"outcome": "satisfied"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden"
    assert "am_a" in error["message"]
    assert "只有" in error["message"]
    visit.refresh_from_db()
    assert visit.state == FollowUpState.OPEN


def test_completing_twice_answers_409(visit, account_manager_a):
    client = api_as(account_manager_a)
    client.post(f"{API}{visit.pk}/complete/", {"outcome": "other"}, format="json")
    again = client.post(
        f"{API}{visit.pk}/complete/", {"outcome": "other"}, format="json"
    )
    assert again.status_code == 409


def test_reschedule_moves_the_clocks_deadline(visit, account_manager_a, now):
    later = now + timedelta(days=3)
    response = api_as(account_manager_a).post(
        f"{API}{visit.pk}/reschedule/",
        {"due_at": later.isoformat(), "outcome": "no_answer", "result_note": "Busy"},
        format="json",
    )
    assert response.status_code == 200, response.content
    clock = Clock.objects.get(subject_type=SubjectType.FOLLOW_UP, subject_id=visit.pk)
    assert clock.due_at == later


def test_decline_cancels_the_clock(visit, account_manager_a):
    response = api_as(account_manager_a).post(
        f"{API}{visit.pk}/decline/", {"result_note": "Moved away"}, format="json"
    )
    assert response.json()["state"] == "declined"
    clock = Clock.objects.get(subject_type=SubjectType.FOLLOW_UP, subject_id=visit.pk)
    assert clock.state == ClockState.CANCELLED


def test_a_manager_reassigns_and_an_account_manager_may_not(
    visit, manager_a, account_manager_a, outlet_a
):
    colleague = make_staff("am_a2", Role.ACCOUNT_MANAGER, outlet_a)
    refused = api_as(account_manager_a).post(
        f"{API}{visit.pk}/reassign/", {"owner": colleague.pk}, format="json"
    )
    assert refused.status_code == 403
    done = api_as(manager_a).post(
        f"{API}{visit.pk}/reassign/", {"owner": colleague.pk}, format="json"
    )
    assert done.status_code == 200 and done.json()["owner"] == colleague.pk
    clock = Clock.objects.get(subject_type=SubjectType.FOLLOW_UP, subject_id=visit.pk)
    assert clock.responsible == colleague


def test_reassigning_to_another_outlets_staff_names_the_owner_field(
    visit, manager_a, manager_b
):
    response = api_as(manager_a).post(
        f"{API}{visit.pk}/reassign/", {"owner": manager_b.pk}, format="json"
    )
    assert response.status_code == 400
    assert "owner" in response.json()["error"]["fields"]


def test_counts_by_owner_and_state(visit, manager_a, outlet_a, now):
    other = make_customer(outlet_a)
    follow_up_create(
        by=manager_a,
        customer=other,
        kind=FollowUpKind.MANUAL,
        due_at=now + timedelta(hours=1),
        owner=manager_a,
        now=now - timedelta(hours=2),
    )
    rows = api_as(manager_a).get(f"{API}by-owner/").json()
    by_name = {row["owner_name"]: row for row in rows}
    assert by_name["am_a"]["open"] == 1 and by_name["manager_a"]["open"] == 1
    assert by_name["am_a"]["total"] == 1


def test_a_courier_may_not_read_follow_ups(courier_a):
    response = api_as(courier_a).get(API)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_the_schema_documents_the_follow_up_endpoints(manager_a):
    schema = api_as(manager_a).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/follow-ups/",
        "/api/v1/follow-ups/{id}/complete/",
        "/api/v1/follow-ups/{id}/reschedule/",
        "/api/v1/follow-ups/{id}/decline/",
        "/api/v1/follow-ups/{id}/reassign/",
        "/api/v1/follow-ups/by-owner/",
        "/api/v1/me/day/",
        "/api/v1/customers/{id}/timeline/",
    ):
        assert path in paths, path
    assert ClockKind.FOLLOW_UP  # the clock kind exists for the sweep
