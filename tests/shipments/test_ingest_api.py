import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from followups.models import Clock, Message
from shipments.models import Milestone, MilestoneKind, ShipmentStatus
from shipments.services import milestones_record_bulk

from ..conftest import NOON, api_as, make_customer, make_shipment

pytestmark = pytest.mark.django_db

URL = "/api/v1/shipments/events/"


def event(shipment, kind="picked_up", at=NOON, **extra):
    return {
        "waybill": shipment.waybill,
        "kind": kind,
        "occurred_at": at.isoformat(),
        **extra,
    }


def post(user, body):
    return api_as(user).post(URL, json.dumps(body), content_type="application/json")


def test_mixed_good_and_bad_events_are_answered_one_by_one_in_order(
    manager_a, customer_a
):
    shipment = make_shipment(customer_a)
    events = [
        event(shipment, "picked_up"),
        {"waybill": "SF-NO-SUCH", "kind": "picked_up", "occurred_at": NOON.isoformat()},
        event(shipment, "teleported"),
        event(shipment, "at_sorting_center", at=NOON.replace(tzinfo=None)),
        "not an object",
        event(shipment, "picked_up"),
        event(shipment, "out_for_delivery", location="Xihu"),
    ]

    response = post(manager_a, {"events": events})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "duplicate",
        "created",
    ]
    assert list(results[1]["errors"]) == ["waybill"]
    assert list(results[2]["errors"]) == ["kind"]
    assert list(results[3]["errors"]) == ["occurred_at"]
    assert list(results[4]["errors"]) == ["non_field_errors"]
    assert Milestone.objects.filter(shipment=shipment).count() == 2
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.OUT_FOR_DELIVERY


def test_repeating_a_batch_changes_nothing_and_sends_nothing(manager_a, customer_a):
    shipments = [make_shipment(customer_a) for _ in range(3)]
    body = {"events": [event(s) for s in shipments]}

    first = post(manager_a, body).json()["results"]
    again = post(manager_a, body).json()["results"]

    assert {r["status"] for r in first} == {"created"}
    assert {r["status"] for r in again} == {"duplicate"}
    assert Clock.objects.count() == Message.objects.count() == 3


def test_a_waybill_of_another_outlet_is_unknown(manager_b, customer_a):
    shipment = make_shipment(customer_a)

    results = post(manager_b, {"events": [event(shipment)]}).json()["results"]

    assert results[0]["status"] == "rejected"
    assert "waybill" in results[0]["errors"]
    assert not Milestone.objects.exists()


def test_more_than_1000_events_is_refused_naming_events(manager_a, customer_a):
    shipment = make_shipment(customer_a)

    response = post(manager_a, {"events": [event(shipment)] * 1001})

    assert response.status_code == 400
    assert "events" in response.json()["error"]["fields"]
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"events": "picked_up"}',
        b'{"scans": []}',
        b"[]",
        b'{"events": []}',
    ],
)
def test_a_malformed_body_answers_in_the_one_error_shape(manager_a, body):
    response = api_as(manager_a).post(URL, body, content_type="application/json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}


def test_anonymous_callers_are_refused(api):
    assert api.post(URL, {"events": []}, format="json").status_code in (401, 403)


def _batch(customer, size):
    events = []
    for n in range(size):
        shipment = make_shipment(customer)
        events.append(
            {
                "waybill": shipment.waybill,
                "kind": "picked_up",
                "occurred_at": NOON + timedelta(seconds=n),
            }
        )
    return events


def test_query_count_does_not_grow_with_the_batch(
    customer_a, django_assert_max_num_queries
):
    new_customer = make_customer(customer_a.outlet, cooperation_start=NOON.date())
    small = _batch(customer_a, 5) + _batch(new_customer, 5)
    large = _batch(customer_a, 250) + _batch(new_customer, 250)

    with CaptureQueriesContext(connection) as ten:
        milestones_record_bulk(small, now=NOON)
    with django_assert_max_num_queries(len(ten)):
        results = milestones_record_bulk(large, now=NOON)

    assert {r["status"] for r in results} == {"created"}
    assert Message.objects.filter(template="milestone").count() == 510


def test_events_endpoint_query_count_does_not_grow_with_the_batch(
    manager_a, customer_a
):
    def body(size):
        return {
            "events": [
                {**e, "occurred_at": e["occurred_at"].isoformat()}
                for e in _batch(customer_a, size)
            ]
        }

    small, large = body(10), body(500)
    with CaptureQueriesContext(connection) as ten:
        post(manager_a, small)
    with CaptureQueriesContext(connection) as five_hundred:
        response = post(manager_a, large)

    assert response.status_code == 200
    assert len(five_hundred) <= len(ten)
    assert Milestone.objects.filter(kind=MilestoneKind.PICKED_UP).count() == 510
