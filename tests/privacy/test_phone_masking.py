"""Phones are masked in every list; shown in full only where someone acts on
them, and each showing is recorded."""

import pytest
from django.utils import timezone

from clocks.models import Message, MessageStatus
from clocks.outbox import to_customer
from customers.models import PhoneReveal
from lib.phones import mask_phone
from shipments.pickups.services import pickup_accept
from shipments.problems.services import problem_report

from ..conftest import NOON, api_as, make_customer, make_pickup

pytestmark = pytest.mark.django_db

FULL, MASKED = "13912345678", "139****5678"


@pytest.fixture
def customer(outlet_a, account_manager_a):
    return make_customer(
        outlet_a, name="王芳", phone="+86" + FULL, account_manager=account_manager_a
    )


def _page(client, user, path: str) -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_mask_keeps_three_digits_in_front_and_four_behind():
    assert mask_phone("+8613800138000") == "138****8000"
    assert mask_phone("+862162345678") == "021****5678"
    assert mask_phone("+442071234567") == "+44 020****4567"
    assert mask_phone("") == ""


def test_customer_list_page_masks_the_phone(client, manager_a, customer):
    html = _page(client, manager_a, "/customers/")
    assert MASKED in html and FULL not in html


def test_api_customer_list_and_detail_mask_the_phone(account_manager_a, customer):
    api = api_as(account_manager_a)
    [row] = api.get("/api/v1/customers/").json()["results"]
    assert row["phone"] == MASKED
    assert api.get(f"/api/v1/customers/{customer.pk}/").json()["phone"] == MASKED
    assert not PhoneReveal.objects.exists()


def test_courier_pickup_list_and_problem_board_show_no_phone(
    client, courier_a, manager_a, customer
):
    pickup_accept(pickup=make_pickup(customer), courier=courier_a, now=NOON)
    problem_report(
        customer=customer, kind="delay", description="晚了", reported_by=None, now=NOON
    )
    assert FULL not in _page(client, courier_a, "/shipments/pickups/")
    assert FULL not in _page(client, manager_a, "/problems/")
    assert FULL not in _page(client, manager_a, "/service/board/")


def test_clock_board_masks_the_address_of_a_dead_message(client, manager_a, customer):
    to_customer(
        customer=customer,
        template="milestone",
        texts={"zh-hans": "您好", "en": "Hello"},
        key="test:dead",
        now=timezone.now(),
    )
    Message.objects.update(status=MessageStatus.DEAD)
    html = _page(client, manager_a, "/service/board/")
    assert MASKED in html and FULL not in html


def test_admin_lists_mask_customer_phones_and_message_addresses(
    client, hq_admin, customer
):
    hq_admin.is_staff = hq_admin.is_superuser = True
    hq_admin.save()
    to_customer(
        customer=customer,
        template="milestone",
        texts={"zh-hans": "您好", "en": "Hello"},
        key="test:admin",
        now=timezone.now(),
    )
    for path in ("/admin/customers/customer/", "/admin/clocks/message/"):
        html = _page(client, hq_admin, path)
        assert MASKED in html and FULL not in html, path


def test_the_carrying_courier_sees_the_number_and_the_showing_is_recorded(
    client, courier_a, customer
):
    pickup = pickup_accept(pickup=make_pickup(customer), courier=courier_a, now=NOON)
    html = _page(client, courier_a, f"/shipments/pickups/{pickup.pk}/")
    assert f'href="tel:+86{FULL}"' in html
    [reveal] = PhoneReveal.objects.all()
    assert (reveal.customer, reveal.by, reveal.via) == (customer, courier_a, "pickup")


def test_a_request_not_yet_taken_shows_the_number_masked(client, courier_a, customer):
    pickup = make_pickup(customer)
    html = _page(client, courier_a, f"/shipments/pickups/{pickup.pk}/")
    assert MASKED in html and FULL not in html
    assert not PhoneReveal.objects.exists()


def test_office_staff_see_the_number_on_the_customer_page_recorded(
    client, account_manager_a, customer
):
    html = _page(client, account_manager_a, f"/customers/{customer.pk}/")
    assert f'href="tel:+86{FULL}"' in html
    [reveal] = PhoneReveal.objects.all()
    assert (reveal.by, reveal.via) == (account_manager_a, "page")


def test_an_api_client_asks_for_the_number_and_the_request_is_recorded(
    account_manager_a, customer
):
    response = api_as(account_manager_a).post(
        f"/api/v1/customers/{customer.pk}/reveal-phone/"
    )
    assert response.status_code == 200
    assert response.json() == {"phone": "+86" + FULL}
    [reveal] = PhoneReveal.objects.all()
    assert (reveal.customer, reveal.by, reveal.via) == (
        customer,
        account_manager_a,
        "api",
    )


def test_a_courier_may_not_ask_the_api_for_a_number(courier_a, customer):
    response = api_as(courier_a).post(f"/api/v1/customers/{customer.pk}/reveal-phone/")
    assert response.status_code == 403
    assert not PhoneReveal.objects.exists()


def test_a_manager_of_another_outlet_gets_404_and_nothing_is_recorded(
    manager_b, customer
):
    response = api_as(manager_b).post(f"/api/v1/customers/{customer.pk}/reveal-phone/")
    assert response.status_code == 404
    assert not PhoneReveal.objects.exists()


def test_managers_see_who_was_shown_the_number(
    client, manager_a, account_manager_a, customer
):
    api_as(account_manager_a).post(f"/api/v1/customers/{customer.pk}/reveal-phone/")
    html = _page(client, manager_a, f"/customers/{customer.pk}/")
    section = html[html.index('id="audit-trail"') :]
    assert "am_a" in section and "API" in section
