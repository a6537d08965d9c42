"""Labels the API returns follow the request's language (Accept-Language).

Stored labels (the default policies' "Priority pickup", copied onto every clock
they start) and choice labels are translated when the answer is rendered, so
the same row reads in Chinese for one client and in English for the next.
"""

import pytest
from django.utils import timezone

from clocks.policies import policy_save
from shipments.pickups.services import pickup_accept
from shipments.problems.services import problem_report

from .conftest import NOON, api_as, make_customer, make_pickup, make_shipment

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


@pytest.fixture
def key_pickup(outlet_a, courier_a):
    customer = make_customer(outlet_a, tier="key")
    return pickup_accept(pickup=make_pickup(customer), courier=courier_a, now=NOON)


def labels_of(response) -> set[str]:
    return {row["policy_label"] for row in response.json()["results"]}


def test_clock_api_shows_the_priority_pickup_label_in_the_requests_language(
    manager_a, key_pickup
):
    api = api_as(manager_a)
    assert labels_of(api.get("/api/v1/clocks/", **CHINESE)) == {"优先揽件"}
    assert labels_of(api.get("/api/v1/clocks/", **ENGLISH)) == {"Priority pickup"}
    assert labels_of(api.get("/api/v1/clocks/", **CHINESE)) == {"优先揽件"}


def test_pickup_api_shows_its_clocks_labels_in_the_requests_language(
    courier_a, key_pickup
):
    api = api_as(courier_a)
    url = f"/api/v1/pickups/{key_pickup.pk}/"
    chinese = api.get(url, **CHINESE).json()["clocks"]
    english = api.get(url, **ENGLISH).json()["clocks"]
    assert [c["policy_label"] for c in chinese] == ["优先揽件"]
    assert [c["policy_label"] for c in english] == ["Priority pickup"]


def test_policy_api_shows_default_labels_in_the_requests_language(manager_a):
    api = api_as(manager_a)

    def labels(headers) -> set[str]:
        rows = api.get("/api/v1/clock-policies/", **headers).json()["results"]
        return {row["label"] for row in rows if row["label"]}

    assert labels(CHINESE) == {"优先揽件", "专属服务"}
    assert labels(ENGLISH) == {"Priority pickup", "Dedicated service"}


def test_a_label_typed_by_a_manager_reads_as_typed_in_any_language(manager_a, outlet_a):
    policy_save(
        by=manager_a,
        outlet=outlet_a,
        kind="pickup_entry",
        minutes=20,
        label="快速通道",
    )
    api = api_as(manager_a)
    for headers in (CHINESE, ENGLISH):
        rows = api.get("/api/v1/clock-policies/", **headers).json()["results"]
        assert "快速通道" in {row["label"] for row in rows}


def test_problem_timeline_stage_labels_follow_the_requests_language(
    manager_a, customer_a
):
    problem = problem_report(
        customer=customer_a,
        shipment=make_shipment(customer_a),
        kind="damage",
        description="Box crushed",
        reported_by=None,
        now=timezone.now(),
    )
    api = api_as(manager_a)
    url = f"/api/v1/problems/{problem.pk}/"
    chinese = api.get(url, **CHINESE).json()["timeline"][0]["label"]
    english = api.get(url, **ENGLISH).json()["timeline"][0]["label"]
    assert chinese != english
    assert english.isascii() and not chinese.isascii()


def test_api_refusals_follow_the_requests_language(manager_a):
    api = api_as(manager_a)
    data = {"kind": "pickup_contact", "minutes": 0}
    chinese = api.post("/api/v1/clock-policies/", data, format="json", **CHINESE)
    english = api.post("/api/v1/clock-policies/", data, format="json", **ENGLISH)
    assert chinese.json()["error"]["message"] == "时限规则未保存。"
    assert english.json()["error"]["message"] == "The policy was not saved."
