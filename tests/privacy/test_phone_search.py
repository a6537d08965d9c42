"""Searching by phone keeps the number out of every URL."""

import re

import pytest

from ..conftest import api_as, make_customer

pytestmark = pytest.mark.django_db

FULL = "13912345678"


@pytest.fixture
def customer(outlet_a):
    make_customer(outlet_a, name="Other")
    return make_customer(outlet_a, name="王芳", phone="+86" + FULL)


def test_the_search_form_posts(client, manager_a):
    client.force_login(manager_a)
    html = client.get("/customers/").content.decode()
    assert 'method="post" action="/customers/"' in html


def test_a_phone_searched_for_is_not_in_the_url_and_finds_the_customer(
    client, manager_a, customer
):
    client.force_login(manager_a)
    response = client.post("/customers/", {"q": FULL, "tier": "casual"})
    assert response.status_code == 302
    assert FULL not in response["Location"]
    assert "saved=1" in response["Location"] and "tier=casual" in response["Location"]
    page = client.get(response["Location"])
    assert [c.name for c in page.context["page"]] == ["王芳"]
    links = re.findall(r'(?:href|action)="([^"]*)"', page.content.decode())
    assert links and not [link for link in links if FULL in link]  # export links


def test_the_export_takes_the_saved_search(client, manager_a, customer):
    client.force_login(manager_a)
    client.post("/customers/", {"q": FULL})
    response = client.get("/customers/export/", {"saved": "1", "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "王芳" in body and "Other" not in body


def test_an_empty_search_clears_the_saved_one(client, manager_a, customer):
    client.force_login(manager_a)
    client.post("/customers/", {"q": FULL})
    location = client.post("/customers/", {"q": ""})["Location"]
    assert "saved" not in location
    assert client.get(location).context["page"].paginator.count == 2


def test_the_api_searches_by_phone_in_the_body(account_manager_a, manager_a, customer):
    response = api_as(manager_a).post(
        "/api/v1/customers/search/", {"q": FULL}, format="json"
    )
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["王芳"]
    assert response.json()["results"][0]["phone"] == "139****5678"
