import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clocks.models import Clock, Message
from shipments.models import ColdChainReading, Milestone, MilestoneKind, ShipmentStatus
from shipments.tracking.milestones import milestones_record_bulk

from ..conftest import NOON, SHANGHAI, api_as, make_customer, make_shipment

pytestmark = pytest.mark.django_db

URL = "/api/v1/shipments/events/"
READINGS = "/api/v1/shipments/readings/"


def ago(**delta):
    """An instant relative to the real clock: the endpoints take ``now`` from it."""
    return (timezone.now() - timedelta(**delta)).astimezone(SHANGHAI)


def event(shipment, kind="picked_up", at=None, **extra):
    return {
        "waybill": shipment.waybill,
        "kind": kind,
        "occurred_at": (at or ago(hours=1)).isoformat(),
        **extra,
    }


def reading(shipment, at=None, **extra):
    return {
        "waybill": shipment.waybill,
        "taken_at": (at or ago(hours=1)).isoformat(),
        "temperature_c": 4.5,
        "humidity_pct": 88,
        "unit": "C",
        **extra,
    }


def post(user, body, url=URL):
    return api_as(user).post(url, json.dumps(body), content_type="application/json")


def test_mixed_good_and_bad_events_are_answered_one_by_one_in_order(
    manager_a, customer_a
):
    shipment = make_shipment(customer_a)
    naive = ago(hours=2).replace(tzinfo=None)
    events = [
        event(shipment, "picked_up"),
        {**event(shipment), "waybill": "SF-NO-SUCH"},
        event(shipment, "teleported"),
        event(shipment, "at_sorting_center", at=naive),
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


def _batch(customer, size, at=NOON):
    events = []
    for n in range(size):
        shipment = make_shipment(customer)
        events.append(
            {
                "waybill": shipment.waybill,
                "kind": "picked_up",
                "occurred_at": at + timedelta(seconds=n),
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
                for e in _batch(customer_a, size, at=ago(hours=1))
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


def _statuses(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [r["status"] for r in response.json()["results"]]


def _rejected_fields(response) -> list[list[str]]:
    return [
        sorted(r["errors"])
        for r in response.json()["results"]
        if r["status"] == "rejected"
    ]


@pytest.mark.parametrize(
    "kind",
    [
        {"kind": "picked_up"},
        ["picked_up"],
        1,
        True,
        pytest.param("picked_up" * 1000, id="9000-characters"),
    ],
)
def test_a_kind_sent_as_an_object_or_a_list_is_rejected_and_the_rest_stored(
    manager_a, customer_a, kind
):
    good, bad = make_shipment(customer_a), make_shipment(customer_a)

    response = post(manager_a, {"events": [event(good), event(bad, kind=kind)]})

    assert _statuses(response) == ["created", "rejected"]
    assert _rejected_fields(response) == [["kind"]]
    message = response.json()["results"][1]["errors"]["kind"][0]
    assert "picked_up" in message and len(message) < 200
    assert list(Milestone.objects.values_list("shipment", flat=True)) == [good.pk]


@pytest.mark.parametrize(
    "occurred_at", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:30:00+01:00"]
)
def test_an_occurred_at_past_year_9999_in_utc_is_rejected_and_the_rest_stored(
    manager_a, customer_a, occurred_at
):
    good, bad = make_shipment(customer_a), make_shipment(customer_a)
    events = [event(good), {**event(bad), "occurred_at": occurred_at}]

    response = post(manager_a, {"events": events})

    assert _statuses(response) == ["created", "rejected"]
    assert _rejected_fields(response) == [["occurred_at"]]
    assert not Milestone.objects.filter(shipment=bad).exists()
    assert Clock.objects.count() == Message.objects.count() == 1


@pytest.mark.parametrize(
    "occurred_at",
    [
        "1999-12-31T23:59:59+00:00",
        "2100-01-01T00:00:00+00:00",
        "2026-11-18T12:00:00+20:00",
        "2026-11-18T12:00:00+08:00:01.000001",
        "2026-02-30T12:00:00+08:00",
        "2026-11-18 12:00",
        "yesterday",
        "",
        pytest.param("2" * 100_000, id="100000-digits"),
        20261118,
        1.5e308,
        None,
        [],
        {"iso": "2026-11-18T12:00:00+08:00"},
    ],
)
def test_an_occurred_at_that_is_no_plausible_instant_is_rejected_naming_it(
    manager_a, customer_a, occurred_at
):
    shipment = make_shipment(customer_a)
    events = [{**event(shipment), "occurred_at": occurred_at}]

    response = post(manager_a, {"events": events})

    assert _rejected_fields(response) == [["occurred_at"]]
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    ("delta", "status"),
    [
        (timedelta(hours=-23), "created"),
        (timedelta(days=365), "created"),
        (timedelta(days=-2), "rejected"),
        (timedelta(days=400), "rejected"),
    ],
)
def test_an_occurred_at_may_be_a_day_ahead_or_a_year_back_and_no_further(
    manager_a, customer_a, delta, status
):
    shipment = make_shipment(customer_a)

    response = post(manager_a, {"events": [event(shipment, at=ago() - delta)]})

    assert _statuses(response) == [status]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("waybill", "S" * 31),
        ("waybill", 12345),
        ("waybill", ["SF1"]),
        ("location", "a\x00b"),
        ("location", "x" * 121),
        ("location", False),
        ("note", "\ud800 lone surrogate"),
        pytest.param("note", "n" * 100_000, id="note-100000-characters"),
        ("note", {"text": "n"}),
    ],
)
def test_a_text_that_cannot_be_stored_is_rejected_naming_its_field(
    manager_a, customer_a, field, value
):
    good, bad = make_shipment(customer_a), make_shipment(customer_a)
    events = [event(good), {**event(bad), field: value}]

    response = post(manager_a, {"events": events})

    assert _statuses(response) == ["created", "rejected"]
    assert _rejected_fields(response) == [[field]]
    assert list(Milestone.objects.values_list("shipment", flat=True)) == [good.pk]


def test_an_event_without_fields_is_rejected_naming_each(manager_a):
    response = post(manager_a, {"events": [{}]})

    assert _rejected_fields(response) == [["kind", "occurred_at", "waybill"]]


def test_a_value_the_checks_miss_costs_only_its_own_event(
    manager_a, customer_a, monkeypatch
):
    # As if the text check forgot NUL: PostgreSQL refuses the whole statement.
    monkeypatch.setattr(
        "shipments.tracking.milestones.are_storable", lambda *texts: True
    )
    monkeypatch.setattr(
        "shipments.tracking.milestones.text_errors", lambda value, limit: None
    )
    first, bad, last = (make_shipment(customer_a) for _ in range(3))
    events = [event(first), event(bad, note="a\x00b"), event(last)]

    response = post(manager_a, {"events": events})

    assert _statuses(response) == ["created", "rejected", "created"]
    assert _rejected_fields(response) == [["non_field_errors"]]
    assert set(Milestone.objects.values_list("shipment", flat=True)) == {
        first.pk,
        last.pk,
    }
    assert Clock.objects.count() == Message.objects.count() == 2


@pytest.mark.parametrize(
    "temperature",
    [1e30, -1e30, "1e30", pytest.param(10**400, id="10**400"), 1e308],
)
def test_reading_of_1e30_degrees_is_rejected_and_the_rest_stored(
    manager_a, customer_a, temperature
):
    shipment = make_shipment(customer_a)
    readings = [
        reading(shipment, at=ago(minutes=2)),
        reading(shipment, at=ago(minutes=1), temperature_c=temperature),
    ]

    response = post(manager_a, {"readings": readings}, READINGS)

    assert _statuses(response) == ["created", "rejected"]
    assert _rejected_fields(response) == [["temperature_c"]]
    assert ColdChainReading.objects.get().temperature_c == Decimal("4.5")


@pytest.mark.parametrize("humidity", ["1e40", 1e40, "NaN", -0.1, 100.1, [50], True])
def test_a_humidity_of_the_string_1e40_is_rejected_and_the_rest_stored(
    manager_a, customer_a, humidity
):
    shipment = make_shipment(customer_a)
    readings = [
        reading(shipment, at=ago(minutes=2)),
        reading(shipment, at=ago(minutes=1), humidity_pct=humidity),
    ]

    response = post(manager_a, {"readings": readings}, READINGS)

    assert _statuses(response) == ["created", "rejected"]
    assert _rejected_fields(response) == [["humidity_pct"]]
    assert ColdChainReading.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temperature_c", "NaN"),
        ("temperature_c", "Infinity"),
        ("temperature_c", "-Infinity"),
        ("temperature_c", "4,5"),
        ("temperature_c", "1e1"),
        ("temperature_c", 90.1),
        ("temperature_c", -90.06),
        ("temperature_c", None),
        ("temperature_c", False),
        ("temperature_c", {"c": 4}),
        ("unit", ["C"]),
        ("unit", {"C": 1}),
        ("unit", "K"),
        ("waybill", "S" * 31),
        ("waybill", "SF\x00"),
        ("waybill", 1),
        ("taken_at", "9999-12-31T23:59:59-05:00"),
        ("taken_at", "0001-01-01T00:30:00+01:00"),
        ("taken_at", "2026-11-18T12:00:00-15:00"),
        ("taken_at", 1e308),
    ],
)
def test_a_reading_value_that_is_not_plausible_is_rejected_naming_its_field(
    manager_a, customer_a, field, value
):
    shipment = make_shipment(customer_a)
    readings = [
        reading(shipment, at=ago(minutes=2)),
        {**reading(shipment, at=ago(minutes=1)), field: value},
    ]

    response = post(manager_a, {"readings": readings}, READINGS)

    assert _statuses(response) == ["created", "rejected"]
    assert _rejected_fields(response) == [[field]]
    assert ColdChainReading.objects.count() == 1


def test_a_reading_taken_more_than_a_day_ahead_is_rejected(manager_a, customer_a):
    shipment = make_shipment(customer_a)
    readings = [reading(shipment, at=ago(days=-2))]

    response = post(manager_a, {"readings": readings}, READINGS)

    assert _rejected_fields(response) == [["taken_at"]]
    assert not ColdChainReading.objects.exists()


def test_a_reading_value_the_checks_miss_costs_only_its_own_reading(
    manager_a, customer_a, monkeypatch
):
    monkeypatch.setattr(
        "shipments.coldchain.readings.text_errors", lambda value, limit: None
    )
    first, last = make_shipment(customer_a), make_shipment(customer_a)
    readings = [reading(first), {**reading(first), "waybill": "SF\x00"}, reading(last)]

    response = post(manager_a, {"readings": readings}, READINGS)

    assert _statuses(response) == ["created", "rejected", "created"]
    assert ColdChainReading.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    [
        b'{"readings": "4.5"}',
        b'{"events": []}',
        b"[]",
        b'{"readings": []}',
        b'{"readings": [{"temperature_c": NaN}]}',
        b'"readings"',
    ],
)
def test_a_malformed_readings_body_answers_in_the_one_error_shape(manager_a, body):
    response = api_as(manager_a).post(READINGS, body, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_more_than_1000_readings_is_refused_naming_readings(manager_a, customer_a):
    shipment = make_shipment(customer_a)

    response = post(manager_a, {"readings": [reading(shipment)] * 1001}, READINGS)

    assert response.status_code == 400
    assert "readings" in response.json()["error"]["fields"]
    assert not ColdChainReading.objects.exists()


def test_rejection_reasons_follow_the_request_language(manager_a, customer_a):
    shipment = make_shipment(customer_a)
    readings = [reading(shipment, humidity_pct="1e40", taken_at="9999-12-31T23:59Z")]

    response = api_as(manager_a).post(
        READINGS,
        json.dumps({"readings": readings}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    errors = response.json()["results"][0]["errors"]
    assert errors["humidity_pct"] == ["必须在 0 至 100 之间。"]
    assert "2000 至 2099" in errors["taken_at"][0]
