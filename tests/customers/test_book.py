"""Maintaining the book: office staff add and edit customers on pages and in
the API through the same services; notes are listed and corrected in the API."""

import pytest

from customers.models import Customer, CustomerNote
from customers.services import customer_add_note
from outlets.models import Role

from ..conftest import NOON, api_as, make_customer, make_staff

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Bayberry Farm",
    "company": "Bayberry Farm Ltd",
    "contact_person": "王芳",
    "phone": "13912345678",
    "address": "8 Orchard Road",
    "cooperation_start": "2026-10-01",
    "preferred_channel": "wechat",
    "language": "zh-hans",
    "needs": ["cold_chain", "fragile"],
}


def _needs(customer: Customer) -> list[str]:
    return sorted(customer.needs.values_list("need", flat=True))


# --- Pages --------------------------------------------------------------------


def test_manager_adds_a_customer_on_the_page_with_needs_and_an_account_manager(
    client, manager_a, account_manager_a
):
    client.force_login(manager_a)
    assert client.get("/customers/new/").status_code == 200
    response = client.post(
        "/customers/new/", {**NEW, "account_manager": account_manager_a.pk}
    )
    customer = Customer.objects.get(name="Bayberry Farm")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.outlet == manager_a.outlet
    assert customer.account_manager == account_manager_a
    assert customer.contact_person == "王芳"
    assert str(customer.phone) == "+8613912345678"
    assert _needs(customer) == ["cold_chain", "fragile"]


def test_the_account_manager_choice_offers_office_staff_of_the_outlet_only(
    client, manager_a, account_manager_a, courier_a, manager_b
):
    client.force_login(manager_a)
    form = client.get("/customers/new/").context["form"]
    offered = set(form.fields["account_manager"].queryset)
    assert offered == {manager_a, account_manager_a}
    response = client.post("/customers/new/", {**NEW, "account_manager": courier_a.pk})
    assert response.status_code == 400
    assert "account_manager" in response.context["form"].errors
    assert not Customer.objects.exists()


def test_the_referrer_is_named_by_phone_on_the_page(client, manager_a, outlet_a):
    referrer = make_customer(outlet_a, name="Old Friend", phone="+8613800000099")
    client.force_login(manager_a)
    client.post("/customers/new/", {**NEW, "referred_by": "13800000099"})
    assert Customer.objects.get(name="Bayberry Farm").referred_by == referrer
    response = client.post(
        "/customers/new/", {**NEW, "phone": "13912345679", "referred_by": "13700000000"}
    )
    assert response.status_code == 400
    assert "referred_by" in response.context["form"].errors


def test_a_phone_already_in_the_outlet_is_refused_beside_the_phone_field(
    client, manager_a, outlet_a
):
    make_customer(outlet_a, phone="+8613912345678")
    client.force_login(manager_a)
    response = client.post("/customers/new/", NEW)
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    assert not Customer.objects.filter(name="Bayberry Farm").exists()


def test_hq_adds_a_customer_to_the_outlet_it_chooses(client, hq_admin, outlet_b):
    client.force_login(hq_admin)
    response = client.post("/customers/new/", {**NEW, "outlet": outlet_b.pk})
    assert response.status_code == 302
    assert Customer.objects.get(name="Bayberry Farm").outlet == outlet_b


def test_account_manager_edits_their_customer_and_only_changed_fields_change(
    client, account_manager_a, customer_a
):
    client.force_login(account_manager_a)
    page = client.get(f"/customers/{customer_a.pk}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data["account_manager"] = account_manager_a.pk
    data["needs"] = ["cold_chain", "time_sensitive"]
    data["address"] = "9 New Market Street"
    response = client.post(f"/customers/{customer_a.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    customer_a.refresh_from_db()
    assert customer_a.address == "9 New Market Street"
    assert customer_a.name == "Fresh Fruit Co"
    assert _needs(customer_a) == ["cold_chain", "time_sensitive"]


def test_the_edit_page_refuses_another_customers_phone_and_saves_nothing(
    client, manager_a, customer_a, outlet_a
):
    other = make_customer(outlet_a, phone="+8613900000042")
    client.force_login(manager_a)
    response = client.post(
        f"/customers/{other.pk}/edit/",
        {**NEW, "phone": str(customer_a.phone), "name": "Renamed"},
    )
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    other.refresh_from_db()
    assert other.name != "Renamed"


def test_couriers_neither_add_nor_edit_customers_on_pages(
    client, courier_a, customer_a
):
    client.force_login(courier_a)
    assert client.get("/customers/new/").status_code == 403
    assert client.post(f"/customers/{customer_a.pk}/edit/", NEW).status_code == 403


def test_another_outlets_customer_is_not_found_on_the_edit_page(
    client, manager_b, customer_a
):
    client.force_login(manager_b)
    assert client.get(f"/customers/{customer_a.pk}/edit/").status_code == 404


def test_the_list_links_to_the_new_customer_page_for_the_office_only(
    client, manager_a, courier_a
):
    client.force_login(manager_a)
    assert 'href="/customers/new/"' in client.get("/customers/").content.decode()
    client.force_login(courier_a)
    assert 'href="/customers/new/"' not in client.get("/customers/").content.decode()


# --- PATCH /api/v1/customers/{id}/ -------------------------------------------


def test_patch_changes_the_given_fields_through_the_same_service(
    account_manager_a, customer_a
):
    response = api_as(account_manager_a).patch(
        f"/api/v1/customers/{customer_a.pk}/",
        {"address": "1 Harbour Road", "needs": ["valuables"], "language": "en"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["needs"] == ["valuables"]
    customer_a.refresh_from_db()
    assert (customer_a.address, customer_a.language) == ("1 Harbour Road", "en")
    assert customer_a.name == "Fresh Fruit Co"


def test_patch_with_a_bad_phone_answers_400_naming_it_and_changes_nothing(
    manager_a, customer_a
):
    response = api_as(manager_a).patch(
        f"/api/v1/customers/{customer_a.pk}/",
        {"phone": "139123456789", "address": "Elsewhere"},
        format="json",
    )
    assert response.status_code == 400
    assert "phone" in response.json()["error"]["fields"]
    customer_a.refresh_from_db()
    assert customer_a.address == ""


def test_patch_refuses_a_courier_as_account_manager(manager_a, courier_a, customer_a):
    response = api_as(manager_a).patch(
        f"/api/v1/customers/{customer_a.pk}/",
        {"account_manager": courier_a.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "account_manager" in response.json()["error"]["fields"]


def test_an_outlet_manager_may_look_after_a_customer(manager_a, customer_a):
    response = api_as(manager_a).patch(
        f"/api/v1/customers/{customer_a.pk}/",
        {"account_manager": manager_a.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    customer_a.refresh_from_db()
    assert customer_a.account_manager == manager_a


def test_patch_is_refused_to_couriers_and_hidden_from_other_outlets(
    courier_a, manager_b, customer_a
):
    path = f"/api/v1/customers/{customer_a.pk}/"
    body = {"name": "Taken over"}
    assert api_as(courier_a).patch(path, body, format="json").status_code == 403
    assert api_as(manager_b).patch(path, body, format="json").status_code == 404
    customer_a.refresh_from_db()
    assert customer_a.name == "Fresh Fruit Co"


# --- Notes in the API ---------------------------------------------------------


def _note(customer, author, text="Gate code 4711") -> CustomerNote:
    return customer_add_note(
        customer=customer, author=author, text=text, noted_on=NOON.date()
    )


def test_notes_are_listed_newest_first(account_manager_a, customer_a):
    _note(customer_a, account_manager_a, "first")
    customer_add_note(
        customer=customer_a,
        author=account_manager_a,
        text="second",
        noted_on=NOON.date().replace(day=19),
    )
    response = api_as(account_manager_a).get(
        f"/api/v1/customers/{customer_a.pk}/notes/"
    )
    assert response.status_code == 200
    assert [n["text"] for n in response.json()["results"]] == ["second", "first"]


def test_the_author_corrects_their_note(account_manager_a, customer_a):
    note = _note(customer_a, account_manager_a)
    response = api_as(account_manager_a).patch(
        f"/api/v1/customers/{customer_a.pk}/notes/{note.pk}/",
        {"text": "Gate code 4712"},
        format="json",
    )
    assert response.status_code == 200, response.content
    note.refresh_from_db()
    assert note.text == "Gate code 4712"


def test_a_manager_corrects_anyones_note_and_a_colleague_may_not(
    manager_a, account_manager_a, courier_a, customer_a
):
    note = _note(customer_a, courier_a)
    path = f"/api/v1/customers/{customer_a.pk}/notes/{note.pk}/"
    colleague = api_as(account_manager_a).patch(path, {"text": "x"}, format="json")
    manager = api_as(manager_a).patch(path, {"text": "Checked"}, format="json")
    assert (colleague.status_code, manager.status_code) == (403, 200)
    note.refresh_from_db()
    assert note.text == "Checked"


def test_a_note_longer_than_2000_characters_is_refused_naming_the_text(
    account_manager_a, customer_a
):
    note = _note(customer_a, account_manager_a)
    response = api_as(account_manager_a).patch(
        f"/api/v1/customers/{customer_a.pk}/notes/{note.pk}/",
        {"text": "x" * 2001},
        format="json",
    )
    assert response.status_code == 400
    assert "text" in response.json()["error"]["fields"]
    note.refresh_from_db()
    assert note.text == "Gate code 4711"


def test_a_note_of_another_customer_is_not_found_through_this_one(
    manager_a, outlet_a, customer_a
):
    other = make_customer(outlet_a)
    note = _note(other, manager_a)
    response = api_as(manager_a).patch(
        f"/api/v1/customers/{customer_a.pk}/notes/{note.pk}/",
        {"text": "moved"},
        format="json",
    )
    assert response.status_code == 404


def test_a_courier_who_never_served_the_customer_sees_no_notes(outlet_a, customer_a):
    stranger = make_staff("courier_x", Role.COURIER, outlet_a)
    response = api_as(stranger).get(f"/api/v1/customers/{customer_a.pk}/notes/")
    assert response.status_code == 404
