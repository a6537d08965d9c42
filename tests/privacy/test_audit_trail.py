"""Who created or changed a customer, their file, a policy, a progress link.

Changes are made the way people make them (pages and the API), so the
"who" comes from the request, a token's user included.
"""

import csv
import io

import pytest
from openpyxl import load_workbook

from clocks.models import ClockPolicy
from customers.audit import customer_trail
from customers.models import Customer, ProgressLink
from customers.services import progress_link_for
from shipments.volumes import tiers_recompute

from ..conftest import NOON, api_as, make_shipment

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"


def _trail(customer) -> list[tuple[str, str, str, str]]:
    return [(e.who, e.kind, e.action, e.changes) for e in customer_trail(customer)]


def _new_customer(user, **fields) -> Customer:
    body = {
        "name": "王芳",
        "phone": "+8613912345678",
        "cooperation_start": "2025-03-01",
    }
    response = api_as(user).post(CUSTOMERS, {**body, **fields}, format="json")
    assert response.status_code == 201, response.content
    return Customer.objects.get(pk=response.json()["id"])


def test_creating_a_customer_records_who_with_the_phone_masked(account_manager_a):
    customer = _new_customer(account_manager_a)
    [(who, kind, action, changes)] = [t for t in _trail(customer) if t[1] == "Customer"]
    assert (who, kind, action) == ("am_a", "Customer", "created")
    assert "139****5678" in changes and "13912345678" not in changes


def test_changing_quiet_hours_records_the_old_and_new_values(account_manager_a):
    customer = _new_customer(account_manager_a)
    api_as(account_manager_a).patch(
        f"{CUSTOMERS}{customer.pk}/",
        {"quiet_hours_start": "21:00", "quiet_hours_end": "08:00"},
        format="json",
    )
    who, kind, action, changes = _trail(customer)[0]
    assert (who, kind, action) == ("am_a", "Customer", "changed")
    assert "quiet hours start: — → 21:00:00" in changes


def test_habits_notes_and_needs_each_leave_an_entry_with_their_author(
    client, account_manager_a, manager_a
):
    customer = _new_customer(account_manager_a, needs=["fragile"])
    api = api_as(account_manager_a)
    api.patch(
        f"{CUSTOMERS}{customer.pk}/habits/",
        {"prefers_parcel_locker": True},
        format="json",
    )
    api.patch(f"{CUSTOMERS}{customer.pk}/", {"needs": ["cold_chain"]}, format="json")
    api_as(manager_a).post(
        f"{CUSTOMERS}{customer.pk}/notes/", {"text": "狗在院子里"}, format="json"
    )
    trail = _trail(customer)
    assert ("manager_a", "Note", "created") in [t[:3] for t in trail]
    assert ("am_a", "Need", "deleted") in [t[:3] for t in trail]
    assert any(
        t[:3] == ("am_a", "Need", "created") and "Cold chain" in t[3] for t in trail
    )
    [habits] = [t for t in trail if t[1] == "Habits" and t[2] == "changed"]
    assert (
        habits[0] == "am_a" and "prefers the parcel locker: False → True" in habits[3]
    )


def test_rotating_a_progress_link_records_who_revoked_and_who_issued(
    client, account_manager_a, customer_a
):
    progress_link_for(customer_a, now=NOON)  # made by a message: no person
    client.force_login(account_manager_a)
    client.post(f"/p/rotate/{customer_a.pk}/")
    links = [t for t in _trail(customer_a) if t[1] == "Progress board link"]
    assert sorted(t[:3] for t in links) == [
        ("am_a", "Progress board link", "changed"),  # the old link revoked
        ("am_a", "Progress board link", "created"),  # the new one issued
        ("system", "Progress board link", "created"),
    ]
    token = ProgressLink.objects.get(revoked_at=None).token
    assert not any(token in t[3] for t in links)  # the key stays out


def test_changing_a_policy_records_who_and_what(manager_a, outlet_a):
    api = api_as(manager_a)
    rule = {"kind": "pickup_contact", "tier": "", "need": "", "minutes": 15}
    api.post("/api/v1/clock-policies/", rule, format="json")
    api.post("/api/v1/clock-policies/", {**rule, "minutes": 20}, format="json")
    policy = ClockPolicy.objects.get(outlet=outlet_a, kind="pickup_contact", tier="")
    [changed, created] = policy.history.order_by("-history_date")[:2]
    assert (changed.history_user, changed.minutes) == (manager_a, 20)
    assert created.history_type == "+" and created.history_user == manager_a


def test_the_nightly_tier_recount_writes_no_history(customer_a):
    make_shipment(customer_a, created_at=NOON.replace(month=10))
    before = Customer.history.count()
    tiers_recompute(now=NOON)
    customer_a.refresh_from_db()
    assert customer_a.monthly_volume == 1
    assert Customer.history.count() == before


def test_managers_see_the_trail_on_the_customer_page_others_do_not(
    client, manager_a, account_manager_a, customer_a
):
    client.force_login(manager_a)
    assert b'id="audit-trail"' in client.get(f"/customers/{customer_a.pk}/").content
    client.force_login(account_manager_a)
    assert b'id="audit-trail"' not in client.get(f"/customers/{customer_a.pk}/").content


def test_hq_exports_the_trail_as_csv_with_bom_and_formulas_neutralised(
    client, hq_admin, account_manager_a
):
    customer = _new_customer(account_manager_a, company='=HYPERLINK("x","y")')
    client.force_login(hq_admin)
    response = client.get("/service/audit/", {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == ["When", "Who", "What", "Which", "Action", "Changes"]
    [row] = [r for r in rows[1:] if r[2] == "Customer"]
    assert row[3].startswith("'=") and row[1] == "am_a"
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    assert customer.pk


def test_the_trail_exports_as_excel_with_text_cells(
    client, manager_a, account_manager_a
):
    _new_customer(account_manager_a, name="@SUM(A1)")
    client.force_login(manager_a)
    response = client.get("/service/audit/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[3].value for row in sheet.iter_rows(min_row=2)]
    assert "'@SUM(A1)" in names


def test_an_outlet_manager_exports_only_their_outlet(client, manager_b, customer_a):
    client.force_login(manager_b)
    response = client.get("/service/audit/", {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "Fresh Fruit Co" not in body


def test_a_courier_may_not_export_the_trail(client, courier_a):
    client.force_login(courier_a)
    assert client.get("/service/audit/").status_code == 403
