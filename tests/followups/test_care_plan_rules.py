"""Care-plan rules edited by hand: bounds, who may, page and API alike."""

import pytest

from followups.care_plans.models import CarePlanRule
from followups.care_plans.rules import care_plan_rule_reset, care_plan_rule_save
from outlets.errors import DomainError, NotAllowed
from tests.conftest import api_as

pytestmark = pytest.mark.django_db

KEY_VISIT = {
    "scope": "tier",
    "value": "key",
    "kind": "return_visit",
    "channel": "phone",
}


def save(by, outlet, **fields):
    return care_plan_rule_save(by=by, outlet=outlet, **{**KEY_VISIT, **fields})


@pytest.mark.parametrize("days", [-7, 0, 366, 40000])
def test_a_cadence_outside_1_to_365_days_is_refused_with_the_reason(
    manager_a, outlet_a, days
):
    with pytest.raises(DomainError) as refused:
        save(manager_a, outlet_a, cadence_days=days)
    (reason,) = refused.value.fields["cadence_days"]
    assert "1 to 365" in str(reason)
    if days < 0:
        assert "cannot be negative" in str(reason)
    assert not CarePlanRule.objects.filter(outlet=outlet_a).exists()


def test_a_negative_offset_is_refused_beside_its_field(manager_a, outlet_a):
    with pytest.raises(DomainError) as refused:
        save(manager_a, outlet_a, kind="new_customer_check_in", offset_days=-1)
    assert "cannot be negative" in str(refused.value.fields["offset_days"][0])


def test_a_rule_gives_a_cadence_or_an_offset_not_both(manager_a, outlet_a):
    with pytest.raises(DomainError) as refused:
        save(manager_a, outlet_a, cadence_days=7, offset_days=7)
    assert "cadence_days" in refused.value.fields


def test_a_value_of_another_scope_is_refused(manager_a, outlet_a):
    with pytest.raises(DomainError) as refused:
        save(manager_a, outlet_a, value="loyal", cadence_days=7)
    assert "value" in refused.value.fields


def test_a_kind_that_is_no_plan_is_refused(manager_a, outlet_a):
    with pytest.raises(DomainError) as refused:
        save(manager_a, outlet_a, kind="assign_account_manager", cadence_days=7)
    assert "kind" in refused.value.fields


def test_saving_the_same_scope_again_changes_the_rule(manager_a, outlet_a):
    first = save(manager_a, outlet_a, cadence_days=7)
    again = save(manager_a, outlet_a, cadence_days=10, channel="visit")
    assert first.pk == again.pk
    assert (again.cadence_days, again.channel) == (10, "visit")


def test_a_manager_changes_only_their_own_outlet_and_hq_the_network(
    manager_a, manager_b, outlet_a, hq_admin
):
    with pytest.raises(NotAllowed):
        save(manager_b, outlet_a, cadence_days=7)
    with pytest.raises(NotAllowed):
        save(manager_a, None, cadence_days=7)
    network = save(hq_admin, None, cadence_days=21)
    assert network.outlet is None and network.cadence_days == 21


def test_resetting_an_outlet_rule_brings_the_network_default_back(
    manager_a, manager_b, outlet_a
):
    rule = save(manager_a, outlet_a, cadence_days=7)
    with pytest.raises(NotAllowed):
        care_plan_rule_reset(by=manager_b, rule=rule)
    care_plan_rule_reset(by=manager_a, rule=rule)
    assert not CarePlanRule.objects.filter(outlet=outlet_a).exists()
    with pytest.raises(DomainError):
        care_plan_rule_reset(by=manager_a, rule=CarePlanRule.objects.first())


# --- The API ------------------------------------------------------------------


def test_api_lists_the_network_defaults_and_the_own_outlet_rules(
    manager_a, manager_b, outlet_a, outlet_b
):
    save(manager_b, outlet_b, cadence_days=9)
    mine = save(manager_a, outlet_a, cadence_days=7)
    rows = api_as(manager_a).get("/api/v1/care-plan-rules/").json()
    rows = rows.get("results", rows)
    outlets = {row["outlet"] for row in rows}
    assert outlets == {None, outlet_a.pk}
    assert mine.pk in {row["id"] for row in rows}


def test_api_saves_an_outlet_rule_for_the_managers_own_outlet(manager_a, outlet_a):
    response = api_as(manager_a).post(
        "/api/v1/care-plan-rules/", {**KEY_VISIT, "cadence_days": 7}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["outlet"] == outlet_a.pk


def test_api_refuses_a_negative_cadence_naming_the_field(manager_a):
    response = api_as(manager_a).post(
        "/api/v1/care-plan-rules/", {**KEY_VISIT, "cadence_days": -7}, format="json"
    )
    assert response.status_code == 400
    assert "cannot be negative" in response.content.decode()
    assert "cadence_days" in response.content.decode()
    assert not CarePlanRule.objects.filter(outlet__isnull=False).exists()


def test_api_refuses_another_outlet_like_an_unknown_one(manager_a, outlet_b):
    response = api_as(manager_a).post(
        "/api/v1/care-plan-rules/",
        {**KEY_VISIT, "cadence_days": 7, "outlet": outlet_b.pk},
        format="json",
    )
    assert response.status_code == 400
    assert not CarePlanRule.objects.filter(outlet=outlet_b).exists()


def test_api_deletes_an_outlet_rule(manager_a, outlet_a):
    rule = save(manager_a, outlet_a, cadence_days=7)
    response = api_as(manager_a).delete(f"/api/v1/care-plan-rules/{rule.pk}/")
    assert response.status_code == 204
    assert not CarePlanRule.objects.filter(pk=rule.pk).exists()


def test_an_account_manager_may_not_read_or_change_the_plan(account_manager_a):
    client = api_as(account_manager_a)
    assert client.get("/api/v1/care-plan-rules/").status_code == 403
    response = client.post(
        "/api/v1/care-plan-rules/", {**KEY_VISIT, "cadence_days": 7}, format="json"
    )
    assert response.status_code == 403


# --- The page -----------------------------------------------------------------


def form(**fields):
    return {
        "customers": "tier:key",
        "kind": "return_visit",
        "channel": "phone",
        "schedule": "every",
        "days": "7",
        "active": "on",
        **fields,
    }


def test_the_page_lists_the_plan_with_the_overridden_default_marked(
    client, manager_a, outlet_a
):
    save(manager_a, outlet_a, cadence_days=7)
    client.force_login(manager_a)
    page = client.get("/care/plan/").content.decode()
    assert "overridden here" in page
    assert "every 7 days" in page and "every 14 days" in page
    assert "once, 14 days after the start" in page


def test_the_page_saves_an_outlet_rule(client, manager_a, outlet_a):
    client.force_login(manager_a)
    response = client.post("/care/plan/", form(outlet=outlet_a.pk))
    assert response.status_code == 302
    rule = CarePlanRule.objects.get(outlet=outlet_a)
    assert (rule.scope, rule.value, rule.cadence_days) == ("tier", "key", 7)


def test_the_page_shows_a_negative_cadence_beside_the_days(client, manager_a, outlet_a):
    client.force_login(manager_a)
    response = client.post("/care/plan/", form(outlet=outlet_a.pk, days="-7"))
    assert response.status_code == 200
    assert "A cadence cannot be negative" in response.content.decode()
    assert not CarePlanRule.objects.filter(outlet=outlet_a).exists()


def test_the_page_resets_an_outlet_rule(client, manager_a, outlet_a):
    rule = save(manager_a, outlet_a, cadence_days=7)
    client.force_login(manager_a)
    response = client.post(f"/care/plan/{rule.pk}/reset/")
    assert response.status_code == 302
    assert not CarePlanRule.objects.filter(pk=rule.pk).exists()


def test_the_page_in_chinese_names_the_customers_and_the_schedule(
    client, manager_a, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(manager_a)
    page = client.get("/care/plan/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "客户关怀计划" in page and "重点客户" in page


def test_api_network_defaults_are_changed_by_hq_only(hq_admin, manager_a):
    rule = {**KEY_VISIT, "cadence_days": 21, "outlet": None}
    refused = api_as(manager_a).post("/api/v1/care-plan-rules/", rule, format="json")
    assert refused.status_code == 403
    saved = api_as(hq_admin).post("/api/v1/care-plan-rules/", rule, format="json")
    assert saved.status_code == 201, saved.content
    network = CarePlanRule.objects.get(outlet=None, scope="tier", value="key")
    assert network.cadence_days == 21
