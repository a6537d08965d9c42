"""Editing clock policies: on the page, in the API and in the service."""

from datetime import timedelta

import pytest

from clocks.models import Clock, ClockKind, ClockPolicy, SubjectType
from clocks.policies import policy_save
from outlets.errors import DomainError, NotAllowed
from shipments.pickups.services import pickup_accept

from ..conftest import NOON, api_as, make_pickup

pytestmark = pytest.mark.django_db

PAGE = "/service/policies/"
API = "/api/v1/clock-policies/"
OVERRIDE = {
    "kind": "pickup_contact",
    "tier": "",
    "need": "",
    "minutes": 15,
    "warn_before_minutes": 3,
    "counting": "calendar",
    "escalate_after_minutes": 30,
    "label": "Fast lane",
}


def accept(customer, courier, now=NOON) -> Clock:
    pickup = pickup_accept(
        pickup=make_pickup(customer, now=now), courier=courier, now=now
    )
    return Clock.objects.get(
        subject_type=SubjectType.PICKUP,
        subject_id=pickup.pk,
        kind=ClockKind.PICKUP_CONTACT,
    )


def overrides():
    return ClockPolicy.objects.filter(outlet__isnull=False)


def post_page(client, user, data):
    client.force_login(user)
    return client.post(PAGE, data)


def test_manager_adds_an_override_for_their_outlet_on_the_page(
    client, manager_a, outlet_a
):
    response = post_page(client, manager_a, {**OVERRIDE, "outlet": outlet_a.pk})
    assert response.status_code == 302
    policy = overrides().get()
    assert (policy.outlet, policy.minutes, policy.label) == (outlet_a, 15, "Fast lane")


def test_saving_the_same_scope_again_changes_the_row(manager_a, outlet_a):
    policy_save(by=manager_a, outlet=outlet_a, **{**OVERRIDE, "minutes": 15})
    policy_save(by=manager_a, outlet=outlet_a, **{**OVERRIDE, "minutes": 20})
    assert list(overrides().values_list("minutes", flat=True)) == [20]


@pytest.mark.parametrize("minutes", [0, -5])
def test_policy_with_no_minutes_is_a_form_error(client, manager_a, outlet_a, minutes):
    response = post_page(
        client, manager_a, {**OVERRIDE, "outlet": outlet_a.pk, "minutes": minutes}
    )
    assert response.status_code == 200
    assert "minutes" in response.context["form"].errors
    assert not overrides().exists()


def test_warning_not_before_the_limit_is_shown_beside_the_field(
    client, manager_a, outlet_a
):
    response = post_page(
        client,
        manager_a,
        {**OVERRIDE, "outlet": outlet_a.pk, "minutes": 10, "warn_before_minutes": 10},
    )
    assert response.status_code == 200
    assert "warn_before_minutes" in response.context["form"].errors
    assert not overrides().exists()


def test_policy_with_zero_minutes_answers_400_naming_minutes(manager_a):
    response = api_as(manager_a).post(API, {**OVERRIDE, "minutes": 0}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "minutes" in error["fields"]
    assert not overrides().exists()


def test_service_refuses_zero_minutes(manager_a, outlet_a):
    with pytest.raises(DomainError) as refused:
        policy_save(by=manager_a, outlet=outlet_a, **{**OVERRIDE, "minutes": 0})
    assert "minutes" in refused.value.fields


def test_manager_a_cannot_edit_outlet_b_policy(client, manager_a, outlet_b):
    with pytest.raises(NotAllowed):
        policy_save(by=manager_a, outlet=outlet_b, **OVERRIDE)
    page = post_page(client, manager_a, {**OVERRIDE, "outlet": outlet_b.pk})
    assert page.status_code == 200
    assert "outlet" in page.context["form"].errors
    api = api_as(manager_a).post(
        API, {**OVERRIDE, "outlet": outlet_b.pk}, format="json"
    )
    assert api.status_code == 400
    assert "outlet" in api.json()["error"]["fields"]
    assert not overrides().exists()


def test_only_hq_changes_the_network_defaults(manager_a, hq_admin):
    response = api_as(manager_a).post(API, {**OVERRIDE, "outlet": None}, format="json")
    assert response.status_code == 403
    assert "outlet" in response.json()["error"]["fields"]
    response = api_as(hq_admin).post(API, {**OVERRIDE, "minutes": 25}, format="json")
    assert response.status_code == 201, response.content
    assert (
        ClockPolicy.objects.get(outlet=None, kind="pickup_contact", tier="").minutes
        == 25
    )


def test_policy_change_does_not_move_a_running_clock_but_applies_to_the_next(
    client, manager_a, outlet_a, customer_a, courier_a
):
    running = accept(customer_a, courier_a)
    post_page(client, manager_a, {**OVERRIDE, "outlet": outlet_a.pk, "minutes": 15})
    running.refresh_from_db()
    assert running.due_at == NOON + timedelta(minutes=30)
    later = NOON + timedelta(minutes=1)
    following = accept(customer_a, courier_a, now=later)
    assert following.due_at == later + timedelta(minutes=15)
    assert following.policy_label == "Fast lane"


def test_page_lists_network_defaults_and_marks_the_ones_this_outlet_overrides(
    client, manager_a, outlet_a, outlet_b, hq_admin
):
    policy_save(by=manager_a, outlet=outlet_a, **OVERRIDE)
    policy_save(by=hq_admin, outlet=outlet_b, **{**OVERRIDE, "minutes": 12})
    client.force_login(manager_a)
    response = client.get(PAGE)
    assert response.status_code == 200
    rows = response.context["policies"]
    assert all(p.outlet_id in (None, outlet_a.pk) for p in rows)
    [network] = [
        p
        for p in rows
        if p.outlet_id is None
        and (p.kind, p.tier, p.need) == ("pickup_contact", "", "")
    ]
    assert network.overridden
    assert "running clock keeps the minutes it started with" in (
        response.content.decode()
    )


def test_api_lists_effective_policies_of_the_own_outlet(
    manager_a, outlet_a, outlet_b, hq_admin
):
    policy_save(by=manager_a, outlet=outlet_a, **OVERRIDE)
    policy_save(by=hq_admin, outlet=outlet_b, **{**OVERRIDE, "minutes": 12})
    response = api_as(manager_a).get(API)
    assert response.status_code == 200
    outlets = {row["outlet"] for row in response.json()["results"]}
    assert outlets == {None, outlet_a.pk}


def test_policies_are_not_for_couriers_or_account_managers_pages(
    client, courier_a, account_manager_a
):
    client.force_login(courier_a)
    assert client.get(PAGE).status_code == 403
    assert api_as(courier_a).get(API).status_code == 403
    client.force_login(account_manager_a)
    assert client.get(PAGE).status_code == 403


def test_hq_changes_a_network_default_on_the_page_and_views_one_outlet(
    client, hq_admin, outlet_a
):
    response = post_page(client, hq_admin, {**OVERRIDE, "outlet": "", "minutes": 25})
    assert response.status_code == 302
    assert (
        ClockPolicy.objects.get(outlet=None, kind="pickup_contact", tier="").minutes
        == 25
    )
    page = client.get(PAGE, {"outlet": outlet_a.pk})
    assert page.status_code == 200
    assert page.context["outlet_id"] == outlet_a.pk
