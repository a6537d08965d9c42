"""Arbitrary JSON in every field of both bulk ingest endpoints.

Whatever a scanner or a sensor sends, the answer is never a 5xx, every item is
answered, the known-good item of the same batch is stored, and no item that is
not answered "created" leaves a row. Each example makes its own shipments, so
the examples share the test's transaction without seeing each other's rows.
"""

import json
from datetime import datetime, timedelta
from datetime import timezone as fixed_offset
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clocks.models import Clock, Message, SubjectType
from shipments.models import ColdChainReading, Milestone, MilestoneKind

from ..conftest import SHANGHAI, api_as, make_shipment

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/shipments/events/"
READINGS = "/api/v1/shipments/readings/"
# Stands for the example's own shipment's waybill; replaced when posting.
OWN = "<own waybill>"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def ago(delta: timedelta) -> str:
    return (timezone.now() - delta).astimezone(SHANGHAI).isoformat()


offsets = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59),
    max_value=timedelta(hours=23, minutes=59),
).map(fixed_offset)
any_instant = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
)
instant_texts = st.one_of(
    st.builds(lambda at, tz: at.replace(tzinfo=tz).isoformat(), any_instant, offsets),
    any_instant.map(datetime.isoformat),
    st.timedeltas(timedelta(days=-3), timedelta(days=400)).map(ago),
    st.sampled_from(
        [
            "9999-12-31T23:59:59-05:00",
            "0001-01-01T00:30:00+01:00",
            "2026-11-18T12:00:00+20:00",
            "2026-02-30T12:00:00+08:00",
            "2026-11-18 12:00",
            "2026-11-18T12:00:00+08:00:01.000001",
        ]
    ),
)
nasty_numbers = st.one_of(
    st.sampled_from([2**31, -(2**31) - 1, 2**63, 10**400, -(10**400)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 5e-324, 1e30, -0.0, 90.05, -90.05, 100.04]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    nasty_numbers,
    st.text(max_size=40),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1).map(
        lambda s: "SF" + s
    ),
    st.sampled_from(
        ["1e40", "1e30", "NaN", "Infinity", "-Infinity", "sNaN", "4.5", " 4.5"]
        + ["-0", "1_0", "١٢", "\x00", "a\x00b", "", " ", "C", "F", "c"]
        + MilestoneKind.values
    ),
    st.integers(0, 300).map(lambda n: "x" * n),
    st.just(100_000).map(lambda n: "x" * n),
    instant_texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=5,
)


def field(plausible):
    """A field's value: often one that could be right, else any JSON at all."""
    return st.one_of(plausible, nasty_numbers, json_values)


def items(fields: dict):
    """Objects with every field, or with some missing (each fuzzed)."""
    fields = {name: field(plausible) for name, plausible in fields.items()}
    return st.one_of(
        st.fixed_dictionaries(fields),
        st.fixed_dictionaries(fields),
        st.fixed_dictionaries({}, optional=fields),
    )


fuzzed_events = items(
    {
        "waybill": st.just(OWN),
        "kind": st.sampled_from(MilestoneKind.values),
        "occurred_at": instant_texts,
        "location": st.text(max_size=130),
        "note": st.text(max_size=260),
    }
)
fuzzed_readings = items(
    {
        "waybill": st.just(OWN),
        "taken_at": instant_texts,
        "temperature_c": st.decimals(-100, 100, places=2).map(float),
        "humidity_pct": st.decimals(-10, 110, places=2).map(str),
        "unit": st.sampled_from(["C", "F"]),
    }
)


def batches(fuzzed):
    """Up to six fuzzed items (some not even objects) and where among them the
    good item goes."""
    batch = st.lists(st.one_of(fuzzed, fuzzed, json_values), min_size=1, max_size=6)
    return st.tuples(batch, st.integers(0, 6))


def _post(user, url: str, key: str, good: dict, fuzzed: list, at: int, waybill):
    items = [
        {**item, "waybill": waybill}
        if type(item) is dict and item.get("waybill") == OWN
        else item
        for item in fuzzed
    ]
    at = min(at, len(items))
    items.insert(at, good)
    body = json.dumps({key: items})
    response = api_as(user).post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content[:500]
    results = response.json()["results"]
    assert len(results) == len(items)
    for result in results:
        _assert_well_formed(result)
    assert results[at]["status"] == "created"
    return {r["id"] for r in results if r["status"] == "created"}


def _assert_well_formed(result: dict) -> None:
    assert result["status"] in ("created", "duplicate", "rejected")
    if result["status"] == "rejected":
        errors = result["errors"]
        assert errors and all(isinstance(field, str) for field in errors)
        # The checks name the field; the net under them is for what they miss.
        assert "This item cannot be stored." not in str(errors)
        assert all(
            reasons and all(isinstance(r, str) and r for r in reasons)
            for reasons in errors.values()
        )


@FUZZ
@given(batch=batches(fuzzed_events))
def test_any_json_in_any_event_field_is_answered_and_costs_only_itself(
    manager_a, customer_a, batch
):
    fuzzed, at = batch
    good, target = make_shipment(customer_a), make_shipment(customer_a)
    event = {
        "waybill": good.waybill,
        "kind": "signed",
        "occurred_at": ago(timedelta(hours=1)),
    }

    created = _post(manager_a, EVENTS, "events", event, fuzzed, at, target.waybill)

    rows = Milestone.objects.filter(shipment__in=[good, target])
    assert set(rows.values_list("id", flat=True)) == created
    assert rows.filter(shipment=good, kind="signed").exists()
    clocks = Clock.objects.filter(
        subject_type=SubjectType.MILESTONE, subject_id__in=created
    )
    assert clocks.count() == len(created)
    assert Message.objects.filter(clock__in=clocks).count() == len(created)


@FUZZ
@given(batch=batches(fuzzed_readings))
def test_any_json_in_any_reading_field_is_answered_and_costs_only_itself(
    manager_a, customer_a, batch
):
    fuzzed, at = batch
    good = make_shipment(customer_a, cold_chain=True)
    target = make_shipment(customer_a, cold_chain=True, temperature_max_c=8)
    reading = {
        "waybill": good.waybill,
        "taken_at": ago(timedelta(hours=1)),
        "temperature_c": 4.5,
        "humidity_pct": "88.5",
        "unit": "C",
    }

    created = _post(
        manager_a, READINGS, "readings", reading, fuzzed, at, target.waybill
    )

    rows = ColdChainReading.objects.filter(shipment__in=[good, target])
    assert set(rows.values_list("id", flat=True)) == created
    assert rows.get(shipment=good).humidity_pct == Decimal("88.5")


@FUZZ
@given(
    url=st.sampled_from([EVENTS, READINGS]),
    body=st.one_of(
        json_values,
        st.dictionaries(st.sampled_from(["events", "readings"]), json_values),
    ),
)
def test_any_json_body_is_answered_in_the_api_shape_never_a_5xx(manager_a, url, body):
    response = api_as(manager_a).post(
        url, json.dumps(body), content_type="application/json"
    )

    assert response.status_code in (200, 400), response.content[:500]
    if response.status_code == 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    else:
        assert len(response.json()["results"]) == len(body[url.split("/")[-2]])
