from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer, CustomerNeed

from ..conftest import api_as, make_customer

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Bayberry Farm",
    "phone": "13912345678",
    # A month before today (the API reads tenure on the local date), so "new".
    "cooperation_start": (timezone.localdate() - timedelta(days=30)).isoformat(),
    "needs": ["cold_chain", "fragile"],
}


def test_manager_creates_a_customer_with_several_needs(manager_a):
    response = api_as(manager_a).post("/api/v1/customers/", VALID, format="json")
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(pk=response.json()["id"])
    assert customer.outlet == manager_a.outlet
    assert sorted(customer.needs.values_list("need", flat=True)) == [
        "cold_chain",
        "fragile",
    ]
    assert response.json()["tenure"] == "new"


def test_invalid_phone_answers_400_naming_the_field_and_writes_nothing(manager_a):
    response = api_as(manager_a).post(
        "/api/v1/customers/", {**VALID, "phone": "12"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "phone" in error["fields"]
    assert not Customer.objects.exists()


def test_unknown_need_type_answers_400_naming_needs(manager_a):
    response = api_as(manager_a).post(
        "/api/v1/customers/", {**VALID, "needs": ["teleport"]}, format="json"
    )
    assert response.status_code == 400
    assert "needs" in response.json()["error"]["fields"]
    assert not CustomerNeed.objects.exists()


def test_account_manager_of_another_outlet_is_refused(manager_a, outlet_b):
    from ..conftest import make_staff

    other = make_staff("am_b", "account_manager", outlet_b)
    response = api_as(manager_a).post(
        "/api/v1/customers/", {**VALID, "account_manager": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "account_manager" in response.json()["error"]["fields"]


def test_couriers_cannot_create_customers(courier_a):
    response = api_as(courier_a).post("/api/v1/customers/", VALID, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_account_manager_lists_only_their_own_customers(
    account_manager_a, customer_a, outlet_a
):
    make_customer(outlet_a, name="Someone else's")
    names = [
        c["name"]
        for c in api_as(account_manager_a).get("/api/v1/customers/").json()["results"]
    ]
    assert names == ["Fresh Fruit Co"]


def test_customer_list_filters_by_tier_need_and_tenure(manager_a, outlet_a):
    make_customer(outlet_a, name="Cold One", needs=["cold_chain"])
    make_customer(outlet_a, name="Plain One")
    client = api_as(manager_a)
    names = [
        c["name"]
        for c in client.get("/api/v1/customers/?need=cold_chain").json()["results"]
    ]
    assert names == ["Cold One"]
    assert client.get("/api/v1/customers/?tier=casual").json()["count"] == 2
    assert client.get("/api/v1/customers/?tenure=loyal").json()["count"] == 2
    bad = client.get("/api/v1/customers/?tier=platinum")
    assert bad.status_code == 400
    assert "tier" in bad.json()["error"]["fields"]


def test_note_is_added_to_the_customer_file(account_manager_a, customer_a):
    response = api_as(account_manager_a).post(
        f"/api/v1/customers/{customer_a.pk}/notes/",
        {"text": "Always uses the 3号 carton"},
        format="json",
    )
    assert response.status_code == 201
    detail = api_as(account_manager_a).get(f"/api/v1/customers/{customer_a.pk}/")
    assert detail.json()["notes"][0]["text"] == "Always uses the 3号 carton"


def test_schema_and_docs_are_served_without_a_cdn(manager_a, client):
    client.force_login(manager_a)
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs


def test_habits_change_through_the_api_and_bad_days_are_refused(
    account_manager_a, customer_a
):
    client = api_as(account_manager_a)
    url = f"/api/v1/customers/{customer_a.pk}/habits/"
    response = client.patch(
        url,
        {"days_unavailable": [5, 6], "prefers_parcel_locker": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    customer_a.habits.refresh_from_db()
    assert customer_a.habits.days_unavailable == [5, 6]
    bad = client.patch(url, {"days_unavailable": [9]}, format="json")
    assert bad.status_code == 400
    assert "days_unavailable" in bad.json()["error"]["fields"]
    window = client.patch(
        url,
        {"pickup_window_start": "10:00", "pickup_window_end": "09:00"},
        format="json",
    )
    assert window.status_code == 400
    assert "pickup_window_end" in window.json()["error"]["fields"]
    customer_a.habits.refresh_from_db()
    assert customer_a.habits.pickup_window_start is None


def test_habits_form_on_the_customer_page_saves_the_file(
    client, account_manager_a, customer_a
):
    client.force_login(account_manager_a)
    response = client.post(
        f"/customers/{customer_a.pk}/habits/",
        {
            "pickup_window_start": "08:00",
            "pickup_window_end": "10:00",
            "days_unavailable": ["2"],
            "packaging_preference": "No. 3 carton",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/customers/{customer_a.pk}/").content.decode()
    assert "No. 3 carton" in page
    assert "Wednesday" in page
