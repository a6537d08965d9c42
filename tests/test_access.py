"""A manager of outlet A cannot see outlet B's customers: pages, API and selectors."""

import pytest

from customers.models import Customer
from outlets.access import visible

from .conftest import api_as, make_pickup

pytestmark = pytest.mark.django_db


def test_manager_of_outlet_a_sees_only_outlet_a_customers(
    manager_a, customer_a, customer_b
):
    assert list(visible(manager_a, Customer.objects.all())) == [customer_a]


def test_hq_admin_sees_every_outlet(hq_admin, customer_a, customer_b):
    assert visible(hq_admin, Customer.objects.all()).count() == 2


def test_courier_sees_only_customers_of_their_pickups(courier_a, customer_a, outlet_a):
    from shipments.pickups.services import pickup_accept

    from .conftest import NOON, make_customer

    make_customer(outlet_a, name="Not on my round")
    pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    assert list(visible(courier_a, Customer.objects.all())) == [customer_a]


def test_outlet_b_customer_page_is_404_for_manager_a(client, manager_a, customer_b):
    client.force_login(manager_a)
    assert client.get(f"/customers/{customer_b.pk}/").status_code == 404


def test_customer_list_page_shows_only_own_outlet(
    client, manager_a, customer_a, customer_b
):
    client.force_login(manager_a)
    page = client.get("/customers/").content.decode()
    assert customer_a.name in page
    assert customer_b.name not in page


def test_outlet_b_customer_is_404_in_the_api_for_manager_a(manager_a, customer_b):
    response = api_as(manager_a).get(f"/api/v1/customers/{customer_b.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_pages_need_a_login(client):
    response = client.get("/customers/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_api_needs_authentication(api):
    response = api.get("/api/v1/customers/")
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_each_role_lands_on_its_home(client, courier_a, manager_a, account_manager_a):
    for user, path in [
        (manager_a, "/service/board/"),
        (account_manager_a, "/care/day/"),
    ]:
        client.force_login(user)
        assert client.get("/")["Location"] == path
