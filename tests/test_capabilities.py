"""Who may do what: one table (``outlets.access.ROLES``), and the pages and the
API agree with it for every persona.

``SURFACES`` names, for each capability, the page and the endpoint it gates.
The walk sends each persona to both and expects what the table says: refused
(403) on both or on neither. What an allowed persona gets besides (a form error,
a 404 for a row of another outlet) is the same on both surfaces too, but is not
the point here: the capability is.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS

from clocks.models import ClockPolicy, Message
from clocks.policies import policy_save
from customers.models import CustomerHabits, CustomerNote
from outlets.access import (
    ROLES,
    Capability,
    Capable,
    may,
    required_capability,
)
from outlets.errors import DomainError, NotAllowed
from outlets.models import Role
from shipments.models import Problem
from shipments.pickups.services import pickup_accept
from shipments.problems.services import (
    problem_offer_solution,
    problem_report,
    problem_respond,
)

from .conftest import NOON, api_as, make_pickup, make_shipment, make_staff

pytestmark = pytest.mark.django_db

PERSONAS = ["hq_admin", "manager_a", "account_manager_a", "courier_a", "manager_b"]


@dataclass
class World:
    customer: object
    pickup: object  # accepted by courier_a
    waiting: object  # nobody's yet
    shipment: object  # picked up by courier_a
    problem: object  # reported by courier_a


@pytest.fixture
def world(customer_a, courier_a, manager_b) -> World:
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)
    shipment = make_shipment(customer_a, pickup=make_pickup(customer_a))
    pickup_accept(pickup=shipment.pickup, courier=courier_a, now=NOON)
    problem = problem_report(
        customer=customer_a,
        shipment=shipment,
        kind="damage",
        description="Box crushed",
        reported_by=courier_a,
        now=NOON,
    )
    return World(customer_a, pickup, make_pickup(customer_a), shipment, problem)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    data: dict | None = None


# Each capability: (page, API); None where that surface has no such action.
SURFACES = {
    Capability.ADD_CUSTOMER: (
        lambda w: Call("post", "/customers/new/", {}),
        lambda w: Call("post", "/api/v1/customers/", {}),
    ),
    Capability.IMPORT_CUSTOMERS: (lambda w: Call("get", "/customers/import/"), None),
    Capability.EXPORT_CUSTOMERS: (lambda w: Call("get", "/customers/export/"), None),
    Capability.EDIT_CUSTOMER_FILE: (
        lambda w: Call("post", f"/customers/{w.customer.pk}/habits/", {}),
        lambda w: Call("patch", f"/api/v1/customers/{w.customer.pk}/habits/", {}),
    ),
    Capability.ADD_NOTE: (
        lambda w: Call("post", f"/customers/{w.customer.pk}/notes/", {}),
        lambda w: Call("post", f"/api/v1/customers/{w.customer.pk}/notes/", {}),
    ),
    Capability.ROTATE_PROGRESS_LINK: (
        lambda w: Call("post", f"/p/rotate/{w.customer.pk}/", {}),
        lambda w: Call(
            "post", "/api/v1/progress-links/rotate/", {"customer": w.customer.pk}
        ),
    ),
    Capability.CREATE_PICKUP: (
        None,
        lambda w: Call("post", "/api/v1/pickups/", {}),
    ),
    Capability.TAKE_PICKUP: (
        lambda w: Call("post", f"/shipments/pickups/{w.pickup.pk}/contact/", {}),
        lambda w: Call("post", f"/api/v1/pickups/{w.pickup.pk}/contact/", {}),
    ),
    Capability.ASSIGN_COURIER: (
        None,
        lambda w: Call(
            "post",
            f"/api/v1/pickups/{w.waiting.pk}/accept/",
            {"courier": w.pickup.courier_id},
        ),
    ),
    Capability.ENTER_PARCEL: (
        lambda w: Call("post", f"/shipments/pickups/{w.pickup.pk}/enter/", {}),
        lambda w: Call("post", f"/api/v1/pickups/{w.pickup.pk}/enter/", {}),
    ),
    Capability.REPORT_PROBLEM: (
        lambda w: Call("post", "/problems/report/", {"form": "report"}),
        lambda w: Call("post", "/api/v1/problems/", {}),
    ),
    Capability.SEND_DELAY_NOTICE: (
        lambda w: Call("post", "/problems/report/", {"form": "delay"}),
        lambda w: Call("post", f"/api/v1/shipments/{w.shipment.pk}/delay/", {}),
    ),
    Capability.HANDLE_PROBLEM: (
        lambda w: Call("post", f"/problems/{w.problem.pk}/respond/", {}),
        lambda w: Call("post", f"/api/v1/problems/{w.problem.pk}/respond/", {}),
    ),
    Capability.SEE_PROBLEM_SUMMARY: (
        lambda w: Call("get", "/problems/summary/"),
        lambda w: Call("get", "/api/v1/problems/summary/"),
    ),
    Capability.WATCH_COLD_CHAIN: (
        lambda w: Call("get", "/cold-chain/"),
        lambda w: Call("get", "/api/v1/excursions/"),
    ),
    Capability.SEE_CLOCK_BOARD: (lambda w: Call("get", "/service/board/"), None),
    Capability.EXPORT_REPORTS: (lambda w: Call("get", "/service/report/"), None),
    Capability.EDIT_POLICIES: (
        lambda w: Call("get", "/service/policies/"),
        lambda w: Call("get", "/api/v1/clock-policies/"),
    ),
    # Decided by the service for the scope a policy names; see the test below.
    Capability.EDIT_NETWORK_POLICIES: (None, None),
    Capability.WORK_FOLLOW_UPS: (
        lambda w: Call("get", "/care/day/"),
        lambda w: Call("get", "/api/v1/me/day/"),
    ),
    Capability.MANAGE_FOLLOW_UPS: (
        lambda w: Call("get", "/care/follow-ups/"),
        lambda w: Call("get", "/api/v1/follow-ups/by-owner/"),
    ),
    Capability.EDIT_CARE_PLANS: (
        lambda w: Call("get", "/care/plan/"),
        lambda w: Call("get", "/api/v1/care-plan-rules/"),
    ),
    Capability.RUN_CAMPAIGNS: (
        lambda w: Call("get", "/care/campaigns/"),
        lambda w: Call("post", "/api/v1/campaigns/preview/", {}),
    ),
    # The customer page shows the number masked to those who may not (no 403).
    Capability.REVEAL_PHONE: (
        None,
        lambda w: Call("post", f"/api/v1/customers/{w.customer.pk}/reveal-phone/", {}),
    ),
    Capability.SEE_AUDIT_TRAIL: (lambda w: Call("get", "/service/audit/"), None),
    Capability.SEE_SURVEYS_AND_REFERRALS: (
        lambda w: Call("get", "/care/surveys/"),
        lambda w: Call("get", "/api/v1/surveys/"),
    ),
    Capability.SEE_CHURN_RISKS: (
        lambda w: Call("get", "/care/churn/"),
        lambda w: Call("get", "/api/v1/churn-risks/"),
    ),
    Capability.SEE_KPIS: (
        lambda w: Call("get", "/care/kpis/"),
        lambda w: Call("get", "/api/v1/kpis/"),
    ),
    Capability.SEE_NETWORK_KPIS: (
        lambda w: Call("get", "/care/kpis/?scope=network"),
        lambda w: Call("get", "/api/v1/kpis/?scope=network"),
    ),
}


def _page(client, user, call: Call):
    client.force_login(user)
    return getattr(client, call.method)(call.path, call.data or {})


def _api(user, call: Call):
    return getattr(api_as(user), call.method)(call.path, call.data, format="json")


def test_every_capability_is_walked_on_its_surfaces():
    assert set(SURFACES) == set(Capability)
    assert set(ROLES) == set(Capability)


@pytest.mark.parametrize("capability", [c for c in Capability if any(SURFACES[c])])
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_and_api_agree_with_the_table(request, client, world, capability, persona):
    user = request.getfixturevalue(persona)
    expected = 403 if not may(user, capability) else "not 403"
    page, api = SURFACES[capability]
    answers = {}
    if page:
        answers["page"] = _page(client, user, page(world)).status_code
    if api:
        answers["api"] = _api(user, api(world)).status_code
    seen = {
        surface: 403 if code == 403 else "not 403" for surface, code in answers.items()
    }
    assert seen == dict.fromkeys(answers, expected), answers


@pytest.mark.parametrize("capability", [c for c in Capability if any(SURFACES[c])])
def test_anonymous_goes_to_the_login_page_and_the_api_answers_401_or_403(
    client, api, world, capability
):
    page, endpoint = SURFACES[capability]
    if page:
        call = page(world)
        response = getattr(client, call.method)(call.path, call.data or {})
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    if endpoint:
        call = endpoint(world)
        response = getattr(api, call.method)(call.path, call.data, format="json")
        assert response.status_code in (401, 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_network_defaults_are_changed_by_hq_only_on_both_surfaces(
    request, client, persona
):
    user = request.getfixturevalue(persona)
    rule = {
        "kind": "pickup_contact",
        "minutes": 25,
        "warn_before_minutes": 5,
        "counting": "business_hours",
    }
    allowed = may(user, Capability.EDIT_NETWORK_POLICIES)
    api = _api(user, Call("post", "/api/v1/clock-policies/", {**rule, "outlet": None}))
    assert (api.status_code == 201) is allowed, api.content
    if not allowed:
        with pytest.raises(NotAllowed):
            policy_save(by=user, outlet=None, tier="", need="", **rule)
    assert ClockPolicy.objects.filter(outlet=None, minutes=25).exists() is allowed


def test_a_refused_api_call_says_which_capability_in_the_error_shape(courier_a, world):
    response = _api(courier_a, SURFACES[Capability.HANDLE_PROBLEM][1](world))
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "permission_denied"
    assert str(Capability.HANDLE_PROBLEM.label) in error["message"]


# --- The table itself ---------------------------------------------------------


def test_a_superuser_has_what_hq_has(db):
    root = make_staff("root", Role.HQ_ADMIN, None, is_superuser=True)
    root.role = Role.COURIER  # a superuser works at HQ whatever the role says
    assert all(may(root, c) == (Role.HQ_ADMIN in ROLES[c]) for c in Capability)


def test_an_inactive_member_of_staff_may_nothing(manager_a):
    manager_a.is_active = False
    assert not any(may(manager_a, c) for c in Capability)


def test_a_manager_assigns_couriers_in_their_own_outlet_only(
    manager_a, manager_b, hq_admin, outlet_a
):
    assert may(manager_a, Capability.ASSIGN_COURIER, outlet_id=outlet_a.pk)
    assert not may(manager_b, Capability.ASSIGN_COURIER, outlet_id=outlet_a.pk)
    assert may(hq_admin, Capability.ASSIGN_COURIER, outlet_id=outlet_a.pk)


def test_every_api_write_names_the_capability_it_needs():
    """A new write endpoint cannot slip past the table: every POST, PATCH, PUT
    or DELETE of a viewset is gated by ``Capable`` and names a capability."""
    from django.urls import get_resolver

    # Accepting is either taking the pickup or assigning it: decided in the
    # view (assign_courier) and the service (take_pickup).
    decided_in_the_view = {("PickupViewSet", "accept")}
    # A read sent as POST so that a phone searched for stays out of the URL.
    decided_in_the_view |= {("CustomerViewSet", "search")}
    writes = []
    for cls, actions in _viewsets(get_resolver()):
        for method, action in actions.items():
            if method.upper() in SAFE_METHODS or (cls.__name__, action) in (
                decided_in_the_view
            ):
                continue
            assert Capable in cls.permission_classes, cls
            assert required_capability(cls, action) is not None, (cls, action)
            writes.append(action)
    assert "notes" in writes and "delay" in writes  # the walk found the routers


def _viewsets(resolver):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _viewsets(pattern)
        elif getattr(pattern.callback, "actions", None):
            yield pattern.callback.cls, pattern.callback.actions


def test_the_capabilities_doc_lists_the_table():
    doc = (Path(__file__).parent.parent / "docs" / "capabilities.md").read_text()
    names = {role.label: role.value for role in Role}
    for capability in Capability:
        row = re.search(rf"^\| `{capability.value}` \| ([^|]+) \|", doc, re.M)
        assert row, capability
        roles = {names[r.strip()] for r in row.group(1).split(",")}
        assert roles == set(ROLES[capability]), capability


# --- The defects: couriers' notes, the customer file, delay notices -----------


def test_courier_adds_a_note_about_a_customer_they_serve_on_both_surfaces(
    client, courier_a, world
):
    client.force_login(courier_a)
    page = client.post(
        f"/customers/{world.customer.pk}/notes/",
        {"noted_on": "2026-11-18", "text": "Gate code 4711"},
    )
    api = api_as(courier_a).post(
        f"/api/v1/customers/{world.customer.pk}/notes/",
        {"text": "Dog in the yard"},
        format="json",
    )
    assert page.status_code == 302
    assert api.status_code == 201, api.content
    texts = set(CustomerNote.objects.values_list("text", flat=True))
    assert texts == {"Gate code 4711", "Dog in the yard"}
    assert f'action="/customers/{world.customer.pk}/notes/"' in (
        client.get(f"/customers/{world.customer.pk}/").content.decode()
    )


def test_courier_cannot_edit_the_customer_file_on_either_surface(
    client, courier_a, world
):
    client.force_login(courier_a)
    page = client.post(
        f"/customers/{world.customer.pk}/habits/", {"prefers_parcel_locker": "on"}
    )
    api = api_as(courier_a).patch(
        f"/api/v1/customers/{world.customer.pk}/habits/",
        {"prefers_parcel_locker": True},
        format="json",
    )
    assert (page.status_code, api.status_code) == (403, 403)
    assert not CustomerHabits.objects.get(customer=world.customer).prefers_parcel_locker
    detail = client.get(f"/customers/{world.customer.pk}/").content.decode()
    assert "/habits/" not in detail
    assert f"/p/rotate/{world.customer.pk}/" not in detail


def test_account_manager_edits_the_customer_file_on_both_surfaces(
    client, account_manager_a, world
):
    client.force_login(account_manager_a)
    assert "/habits/" in client.get(f"/customers/{world.customer.pk}/").content.decode()
    page = client.post(
        f"/customers/{world.customer.pk}/habits/", {"prefers_parcel_locker": "on"}
    )
    api = api_as(account_manager_a).patch(
        f"/api/v1/customers/{world.customer.pk}/habits/",
        {"packaging_preference": "Double box"},
        format="json",
    )
    assert (page.status_code, api.status_code) == (302, 200)
    habits = CustomerHabits.objects.get(customer=world.customer)
    assert habits.packaging_preference == "Double box"


def _delay(world, **fields) -> dict:
    later = timezone.localtime(timezone.now() + timedelta(days=1))
    return {
        "waybill": world.shipment.waybill,
        "reason": "A 3-hour motorway jam",
        "new_expected_at": f"{later:%Y-%m-%dT%H:%M}",
        "plan": "Re-routed; it arrives tomorrow morning.",
        **fields,
    }


def test_courier_cannot_send_a_delay_notice_on_either_surface(client, courier_a, world):
    client.force_login(courier_a)
    form = client.get("/problems/report/").content.decode()
    page = client.post("/problems/report/", {"form": "delay", **_delay(world)})
    api = api_as(courier_a).post(
        f"/api/v1/shipments/{world.shipment.pk}/delay/", _delay(world), format="json"
    )
    assert (page.status_code, api.status_code) == (403, 403)
    assert not Message.objects.filter(template="delay_notice").exists()
    assert 'value="report"' in form
    assert 'value="delay"' not in form


def test_courier_still_reports_damage_on_the_page(client, courier_a, world):
    client.force_login(courier_a)
    response = client.post(
        "/problems/report/",
        {
            "form": "report",
            "waybill": world.shipment.waybill,
            "kind": "damage",
            "description": "Wet carton",
        },
    )
    assert response.status_code == 302
    assert Problem.objects.filter(description="Wet carton").exists()


LINKS = [
    "https://evil.example/pay",
    "请访问 evil.cn 查询",
    "请访问evil.cn查询",
    "www.sf-express-refund.com",
    "bit.ly/3xYz",
    "ｈｔｔｐｓ：／／ｅｖｉｌ．ｃｏｍ",
    "call 10.0.0.1",
]


@pytest.mark.parametrize("link", LINKS)
def test_a_delay_notice_with_a_link_is_refused_and_reaches_nobody(
    client, manager_a, world, link
):
    client.force_login(manager_a)
    page = client.post(
        "/problems/report/", {"form": "delay", **_delay(world, plan=link)}
    )
    api = api_as(manager_a).post(
        f"/api/v1/shipments/{world.shipment.pk}/delay/",
        _delay(world, reason=link),
        format="json",
    )
    assert page.status_code == 200
    assert page.context["delay_form"].errors["plan"]
    assert api.status_code == 400
    assert list(api.json()["error"]["fields"]) == ["reason"]
    assert not Message.objects.filter(template="delay_notice").exists()
    assert not Problem.objects.filter(kind="delay").exists()


def test_a_delay_notice_without_a_link_reaches_the_customer(client, manager_a, world):
    client.force_login(manager_a)
    plan = "Storm on the G15, new time 18:00. Re-routed via Hangzhou; 3.5kg box."
    response = client.post(
        "/problems/report/", {"form": "delay", **_delay(world, plan=plan)}
    )
    assert response.status_code == 302
    assert Message.objects.filter(template="delay_notice").count() == 1


def test_a_response_note_or_a_handling_plan_with_a_link_is_refused(world):
    with pytest.raises(DomainError) as refused:
        problem_respond(problem=world.problem, note="See t.cn/A6x", now=NOON)
    assert list(refused.value.fields) == ["note"]
    problem_respond(problem=world.problem, note="Sorry, on it", now=NOON)
    with pytest.raises(DomainError) as refused:
        problem_offer_solution(
            problem=world.problem,
            note="Re-send",
            handling_plan="Track at www.example.com",
            now=NOON,
        )
    assert list(refused.value.fields) == ["handling_plan"]
