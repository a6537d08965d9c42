"""Every number, date and free text a user enters has a plausible bound.

Pages answer a form error naming the field, the API a 400 in the error shape
naming it, and nothing is saved. A stored value outside the window (written
around validation) still leaves every list page readable.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clocks.models import Clock
from customers.models import Customer, CustomerNote
from outlets.errors import DomainError
from shipments.models import (
    Excursion,
    PickupRequest,
    PickupStatus,
    Problem,
    ProblemStage,
    Shipment,
)
from shipments.pickups.services import (
    pickup_accept,
    pickup_contact,
    pickup_create,
    pickup_pick_up,
)
from shipments.problems.services import (
    problem_offer_solution,
    problem_remedy,
    problem_report,
    problem_respond,
)

from .conftest import NOON, api_as, make_customer, make_pickup, make_shipment

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * 2001
IMPLAUSIBLE_DAYS = ["9999-10-01", "0001-01-01", "1999-12-31", "2100-01-01"]
# Naive (local), far past, far future, and real-looking but impossible offsets.
IMPLAUSIBLE_INSTANTS = [
    "0055-01-01T10:00:00+08:00",
    "9999-12-31T10:00:00+08:00",
    "2026-11-20T10:00:00-22:00",
    "2026-11-20T10:00:00+15:00",
    "0055-01-01T10:00",
]


def soon(hours: int = 2) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def fields_of(response) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    return error["fields"]


def contacted(customer, courier) -> PickupRequest:
    pickup = pickup_accept(pickup=make_pickup(customer), courier=courier, now=NOON)
    return pickup_contact(pickup=pickup, courier=courier, method="called", now=NOON)


def reported(customer) -> Problem:
    return problem_report(
        customer=customer,
        shipment=make_shipment(customer),
        kind="damage",
        description="Box crushed",
        reported_by=None,
        now=timezone.now(),
    )


def remedied(customer) -> Problem:
    problem, now = reported(customer), timezone.now()
    problem_respond(problem=problem, note="Called", now=now)
    problem_offer_solution(problem=problem, note="Refund", now=now)
    return problem_remedy(problem=problem, remedy_kind="refund", note="Done", now=now)


# --- Numbers ------------------------------------------------------------------


@pytest.mark.parametrize("pieces", [0, 1000, 10_000, 2**31, 2**63])
def test_a_pickup_of_implausibly_many_pieces_is_refused_by_the_api(
    manager_a, customer_a, pieces
):
    body = {
        "customer": customer_a.pk,
        "address": "1 Road",
        "window_start": soon(1),
        "window_end": soon(3),
        "expected_pieces": pieces,
    }
    response = api_as(manager_a).post("/api/v1/pickups/", body, format="json")

    assert "expected_pieces" in fields_of(response)
    assert not PickupRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pieces", 10_000),
        ("pieces", 2**31),
        ("weight_kg", "999999"),
        ("weight_kg", "5000.01"),
        ("weight_kg", "0"),
    ],
)
def test_implausible_pieces_or_weight_at_pickup_is_refused_on_api_and_page(
    client, courier_a, customer_a, field, value
):
    pickup = contacted(customer_a, courier_a)
    body = {"pieces": 2, "weight_kg": "3.5", field: value}

    response = api_as(courier_a).post(
        f"/api/v1/pickups/{pickup.pk}/pick-up/", body, format="json"
    )
    assert field in fields_of(response)

    client.force_login(courier_a)
    page = client.post(reverse("shipments:pickup-pick-up", args=[pickup.pk]), body)
    assert page.status_code in (200, 400)
    assert field in page.context["form"].errors
    pickup.refresh_from_db()
    assert (pickup.status, pickup.verified_pieces) == (PickupStatus.CONTACTED, None)


@pytest.mark.parametrize("compensation", ["1000000.01", "99999999.99", str(2**31)])
def test_implausible_compensation_is_refused_on_api_and_page(
    client, manager_a, customer_a, compensation
):
    problem = remedied(customer_a)
    body = {"liability": "courier", "compensation": compensation}

    response = api_as(manager_a).post(
        f"/api/v1/problems/{problem.pk}/close/", body, format="json"
    )
    assert "compensation" in fields_of(response)

    client.force_login(manager_a)
    page = client.post(reverse("problems:act", args=[problem.pk, "close"]), body)
    assert "compensation" in page.context["form"].errors
    problem.refresh_from_db()
    assert problem.stage == ProblemStage.REMEDIED


def test_services_refuse_implausible_values_from_any_caller(customer_a, courier_a):
    hours = timedelta(hours=2)
    with pytest.raises(DomainError) as many:
        make_pickup(customer_a, expected_pieces=10_000)
    with pytest.raises(DomainError) as ancient:
        pickup_create(
            customer=customer_a,
            address="1 Road",
            window_start=datetime(55, 1, 1, tzinfo=UTC),
            window_end=datetime(55, 1, 1, tzinfo=UTC) + hours,
            now=NOON,
        )
    with pytest.raises(DomainError) as heavy:
        pickup_pick_up(
            pickup=contacted(customer_a, courier_a),
            courier=courier_a,
            pieces=1,
            weight_kg=Decimal("999999"),
            insurance="",
            now=NOON,
        )

    assert "expected_pieces" in many.value.fields
    assert {"window_start", "window_end"} <= set(ancient.value.fields)
    assert "weight_kg" in heavy.value.fields
    assert PickupRequest.objects.get().status == PickupStatus.CONTACTED


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Shipment, {"pieces": 10_000}),
        (Shipment, {"weight_kg": Decimal("999999")}),
        (Shipment, {"insured_value": Decimal("2000000")}),
        (Shipment, {"temperature_min_c": 8, "temperature_max_c": 0}),
        (PickupRequest, {"expected_pieces": 10_000}),
        (Problem, {"compensation": Decimal("5000000")}),
        (Problem, {"description": TOO_LONG}),
        (CustomerNote, {"text": TOO_LONG}),
    ],
)
def test_the_database_refuses_implausible_values_written_around_validation(
    customer_a, model, fields
):
    rows = {
        Shipment: lambda: make_shipment(customer_a),
        PickupRequest: lambda: make_pickup(customer_a),
        Problem: lambda: reported(customer_a),
        CustomerNote: lambda: CustomerNote.objects.create(
            customer=customer_a, noted_on=NOON.date(), text="ok"
        ),
    }
    row = rows[model]()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**fields)


def test_tier_thresholds_beyond_a_million_parcels_are_refused(db):
    from customers.models import TierThresholds

    thresholds = TierThresholds(strategic_min=2**31, key_min=1000, casual_below=20)
    with pytest.raises(Exception, match="1000000"):
        thresholds.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        TierThresholds.objects.create(strategic_min=2_000_000)


# --- Dates --------------------------------------------------------------------


@pytest.mark.parametrize("day", IMPLAUSIBLE_DAYS)
def test_a_customer_with_an_implausible_cooperation_start_is_refused(manager_a, day):
    body = {"name": "Zhang", "phone": "+8613811112222", "cooperation_start": day}
    response = api_as(manager_a).post("/api/v1/customers/", body, format="json")

    assert "cooperation_start" in fields_of(response)
    assert not Customer.objects.exists()


@pytest.mark.parametrize("day", IMPLAUSIBLE_DAYS)
def test_a_note_with_an_implausible_date_is_refused_on_api_and_page(
    client, account_manager_a, customer_a, day
):
    url = f"/api/v1/customers/{customer_a.pk}/notes/"
    response = api_as(account_manager_a).post(
        url, {"text": "Call first", "noted_on": day}, format="json"
    )
    assert "noted_on" in fields_of(response)

    client.force_login(account_manager_a)
    page = client.post(
        reverse("customers:note-add", args=[customer_a.pk]),
        {"text": "Call first", "noted_on": day},
        follow=True,
    )
    (message,) = [str(m) for m in page.context["messages"]]
    assert "Date of the note" in message and "noted_on" not in message
    assert not CustomerNote.objects.exists()


@pytest.mark.parametrize("instant", IMPLAUSIBLE_INSTANTS)
@pytest.mark.parametrize("field", ["window_start", "window_end"])
def test_a_pickup_window_outside_the_plausible_years_or_offsets_is_refused(
    manager_a, customer_a, field, instant
):
    body = {
        "customer": customer_a.pk,
        "address": "1 Road",
        "window_start": soon(1),
        "window_end": soon(3),
        field: instant,
    }
    response = api_as(manager_a).post("/api/v1/pickups/", body, format="json")

    assert field in fields_of(response)
    assert not PickupRequest.objects.exists()


@pytest.mark.parametrize("instant", IMPLAUSIBLE_INSTANTS)
def test_a_delay_to_an_implausible_time_is_refused_on_api_and_page(
    client, manager_a, customer_a, instant
):
    shipment = make_shipment(customer_a)
    body = {"reason": "Storm", "plan": "Next truck", "new_expected_at": instant}
    response = api_as(manager_a).post(
        f"/api/v1/shipments/{shipment.pk}/delay/", body, format="json"
    )
    assert "new_expected_at" in fields_of(response)

    client.force_login(manager_a)
    page = client.post(
        reverse("problems:report"),
        {"form": "delay", "waybill": shipment.waybill, **body},
    )
    assert "new_expected_at" in page.context["delay_form"].errors
    assert not Problem.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "due_before=2026-11-18T10:00:00-22:00",
        "due_after=2026-11-18T10:00:00%2B23:59",
        "due_before=0001-01-01T00:00:00Z",
        "due_after=9999-12-31T23:59:59Z",
    ],
)
def test_clock_list_refuses_impossible_offsets_and_years_in_due_filters(
    manager_a, query
):
    response = api_as(manager_a).get(f"/api/v1/clocks/?{query}")

    assert query.split("=")[0] in fields_of(response)


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12", "2100-01"])
def test_problem_summary_refuses_a_month_outside_the_window(client, manager_a, month):
    response = api_as(manager_a).get(f"/api/v1/problems/summary/?month={month}")
    assert "month" in fields_of(response)

    client.force_login(manager_a)
    page = client.get(reverse("problems:summary"), {"month": month})
    assert page.status_code == 200
    assert "month" in page.context["form"].errors


def test_the_reason_for_an_implausible_date_is_translated(manager_a):
    body = {"name": "Zhang", "phone": "+8613811112222", "cooperation_start": "9999-1-1"}
    response = api_as(manager_a).post(
        "/api/v1/customers/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    (reason,) = fields_of(response)["cooperation_start"]
    assert "2000-01-01" in reason and "日期" in reason


# --- Stored values outside the window ------------------------------------------


@pytest.fixture
def implausible_rows(customer_a, courier_a):
    """Rows written around validation, as an old import or a bug could have."""
    far = make_customer(customer_a.outlet, name="Far future", address="1 Road")
    Customer.objects.filter(pk=far.pk).update(cooperation_start=date(9999, 12, 31))
    Customer.objects.filter(pk=customer_a.pk).update(cooperation_start=date(1, 1, 1))
    for day in (date(9999, 12, 31), date(1, 1, 1)):
        CustomerNote.objects.create(customer=far, noted_on=day, text="Odd")
    pickup = make_pickup(far)
    PickupRequest.objects.filter(pk=pickup.pk).update(
        window_start=datetime(55, 1, 1, 2, tzinfo=UTC),
        window_end=datetime(9999, 6, 1, tzinfo=UTC),
    )
    problem = reported(far)
    Problem.objects.filter(pk=problem.pk).update(
        new_expected_at=datetime(9999, 6, 1, tzinfo=UTC)
    )
    Shipment.objects.filter(pk=problem.shipment_id).update(
        expected_arrival=datetime(9999, 6, 1, tzinfo=UTC)
    )
    return far


@pytest.mark.parametrize(
    "path",
    [
        "/customers/",
        "/customers/?tenure=new",
        "/customers/{far}/",
        "/api/v1/customers/",
        "/api/v1/customers/?tenure=loyal",
        "/api/v1/customers/{far}/",
        "/api/v1/pickups/",
        "/api/v1/problems/",
        "/api/v1/shipments/",
        "/problems/",
        "/service/board/",
    ],
)
def test_a_stored_out_of_window_date_does_not_break_list_pages(
    client, manager_a, implausible_rows, path
):
    client.force_login(manager_a)

    response = client.get(path.format(far=implausible_rows.pk))

    assert response.status_code == 200


def test_a_stored_out_of_window_date_does_not_break_the_courier_pages(
    client, courier_a, implausible_rows
):
    client.force_login(courier_a)
    pickup = PickupRequest.objects.get(customer=implausible_rows)

    assert client.get(reverse("shipments:courier-pickups")).status_code == 200
    detail = reverse("shipments:courier-pickup", args=[pickup.pk])
    assert client.get(detail).status_code == 200


def test_a_stored_out_of_window_date_does_not_break_the_progress_board(
    client, implausible_rows
):
    from customers.services import progress_link_for, progress_url

    link = progress_link_for(implausible_rows, now=timezone.now())

    assert client.get(progress_url(link.token)).status_code == 200


def test_a_customer_whose_start_is_near_year_9999_counts_as_new():
    from customers.tenure import tenure_on

    assert tenure_on(date(9999, 12, 31), date(2026, 11, 18)) == "new"
    assert tenure_on(date(1, 1, 1), date(2026, 11, 18)) == "loyal"


# --- Free text ----------------------------------------------------------------


def test_a_long_note_is_refused_on_api_and_page(client, account_manager_a, customer_a):
    url = f"/api/v1/customers/{customer_a.pk}/notes/"
    response = api_as(account_manager_a).post(url, {"text": TOO_LONG}, format="json")
    assert "text" in fields_of(response)

    client.force_login(account_manager_a)
    page = client.post(
        reverse("customers:note-add", args=[customer_a.pk]),
        {"text": TOO_LONG, "noted_on": "2026-11-18"},
        follow=True,
    )
    (message,) = [str(m) for m in page.context["messages"]]
    assert "Note:" in message and "2000" in message
    assert not CustomerNote.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 101),
        ("company", "x" * 151),
        ("contact_person", "x" * 101),
        ("address", "x" * 256),
    ],
)
def test_long_customer_names_and_addresses_are_refused(manager_a, field, value):
    body = {
        "name": "Zhang",
        "phone": "+8613811112222",
        "cooperation_start": "2026-11-01",
        field: value,
    }
    response = api_as(manager_a).post("/api/v1/customers/", body, format="json")

    assert field in fields_of(response)
    assert not Customer.objects.exists()


def test_long_habits_are_refused(account_manager_a, customer_a):
    url = f"/api/v1/customers/{customer_a.pk}/habits/"
    api = api_as(account_manager_a)
    long = api.patch(url, {"packaging_preference": "x" * 201}, format="json")
    many = api.patch(url, {"days_unavailable": [0] * 100_000}, format="json")

    assert "packaging_preference" in fields_of(long)
    assert "days_unavailable" in fields_of(many)


def _report(shipment, text):
    return {"shipment": shipment.pk, "kind": "damage", "description": text}


def _delay_plan(text):
    return {"reason": "Storm", "plan": text, "new_expected_at": soon(5)}


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("respond", {"note": TOO_LONG}, "note"),
        ("offer-solution", {"note": "Refund", "handling_plan": "x" * 1001}, "plan"),
    ],
)
def test_long_problem_step_texts_are_refused_on_api_and_page(
    client, manager_a, customer_a, step, body, field
):
    problem = reported(customer_a)
    if step == "offer-solution":
        problem_respond(problem=problem, note="Called", now=timezone.now())
    stage = Problem.objects.get(pk=problem.pk).stage

    response = api_as(manager_a).post(
        f"/api/v1/problems/{problem.pk}/{step}/", body, format="json"
    )
    assert any(field in name for name in fields_of(response))

    client.force_login(manager_a)
    page = client.post(reverse("problems:act", args=[problem.pk, step]), body)
    assert any(field in name for name in page.context["form"].errors)
    assert Problem.objects.get(pk=problem.pk).stage == stage


def test_long_problem_reports_and_delay_plans_are_refused_on_api_and_page(
    client, manager_a, customer_a
):
    shipment = make_shipment(customer_a)
    api = api_as(manager_a)
    report = api.post("/api/v1/problems/", _report(shipment, TOO_LONG), format="json")
    delay = api.post(
        f"/api/v1/shipments/{shipment.pk}/delay/",
        _delay_plan("x" * 1001),
        format="json",
    )
    assert "description" in fields_of(report)
    assert "plan" in fields_of(delay)

    client.force_login(manager_a)
    page = client.post(
        reverse("problems:report"),
        {"form": "report", "waybill": shipment.waybill, **_report(shipment, TOO_LONG)},
    )
    assert "description" in page.context["report_form"].errors
    assert not Problem.objects.exists()


def test_a_long_excursion_handling_note_is_refused_on_api_and_page(
    client, manager_a, customer_a
):
    shipment = make_shipment(customer_a, cold_chain=True)
    excursion = Excursion.objects.create(
        shipment=shipment, started_at=NOON, last_out_at=NOON
    )

    response = api_as(manager_a).post(
        f"/api/v1/excursions/{excursion.pk}/handle/", {"note": TOO_LONG}, format="json"
    )
    assert "note" in fields_of(response)

    client.force_login(manager_a)
    page = client.post(
        reverse("excursions:handle", args=[excursion.pk]), {"note": TOO_LONG}
    )
    assert page.status_code == 400
    assert "note" in page.context["handle_form"].errors
    assert Excursion.objects.get(pk=excursion.pk).handled_at is None
    assert not Clock.objects.filter(met_at__isnull=False).exists()


@pytest.mark.parametrize(
    "query", [{"from": "9999-12-01", "to": "9999-12-31"}, {"from": "0001-01-01"}]
)
def test_the_breach_report_refuses_days_outside_the_window(client, manager_a, query):
    client.force_login(manager_a)

    page = client.get(reverse("clocks:breach-report"), query)

    assert page.status_code in (200, 400)
    assert set(query) & set(page.context["form"].errors)
