"""Who looks after a new customer: an account manager who creates one keeps it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_create

from ..conftest import api_as, make_staff

pytestmark = pytest.mark.django_db


def _valid() -> dict:
    return {
        "name": "Bayberry Farm",
        "phone": "13912345678",
        "cooperation_start": (timezone.localdate() - timedelta(days=30)).isoformat(),
    }


def test_account_manager_creating_a_customer_through_the_api_becomes_its_manager(
    account_manager_a,
):
    response = api_as(account_manager_a).post(
        "/api/v1/customers/", _valid(), format="json"
    )
    assert response.status_code == 201, response.content
    customer = Customer.objects.get()
    assert customer.account_manager == account_manager_a
    assert response.json()["id"] == customer.pk
    assert response.json()["account_manager"] == str(account_manager_a)
    listed = api_as(account_manager_a).get("/api/v1/customers/").json()["results"]
    assert [row["id"] for row in listed] == [customer.pk]


def test_a_retry_after_a_failed_create_leaves_exactly_one_customer(
    account_manager_a, monkeypatch
):
    api = api_as(account_manager_a)
    api.raise_request_exception = False
    with monkeypatch.context() as patch:
        # The row is written, then answering fails: nothing may be left behind.
        patch.setattr("customers.api.views.CustomerSerializer", _boom)
        failed = api.post("/api/v1/customers/", _valid(), format="json")
    assert failed.status_code == 500
    assert not Customer.objects.exists()
    retried = api.post("/api/v1/customers/", _valid(), format="json")
    assert retried.status_code == 201
    assert Customer.objects.get().account_manager == account_manager_a


def test_the_service_makes_the_creating_account_manager_the_customers_manager(
    outlet_a, account_manager_a
):
    customer = customer_create(
        outlet=outlet_a,
        name="Tea House",
        phone="+8613912345670",
        cooperation_start=timezone.localdate(),
        created_by=account_manager_a,
    )
    assert customer.account_manager == account_manager_a


def test_a_named_account_manager_wins_over_the_creator(outlet_a, account_manager_a):
    colleague = make_staff("am_a2", "account_manager", outlet_a)
    customer = customer_create(
        outlet=outlet_a,
        name="Tea House",
        phone="+8613912345671",
        cooperation_start=timezone.localdate(),
        account_manager=colleague,
        created_by=account_manager_a,
    )
    assert customer.account_manager == colleague


def test_a_manager_creating_a_customer_does_not_become_its_account_manager(
    manager_a,
):
    response = api_as(manager_a).post("/api/v1/customers/", _valid(), format="json")
    assert response.status_code == 201
    assert Customer.objects.get().account_manager is None


def _boom(*args, **kwargs):
    raise RuntimeError("answer failed")
