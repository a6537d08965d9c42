"""Clock policies as a manager uses them: defaults per clock, tier and need rules
that only tighten the general promise, and plausible bounds."""

from datetime import timedelta

import pytest

from clocks.models import Clock, ClockKind, ClockPolicy, Counting, SubjectType
from clocks.policies import MAX_MINUTES, STANDARDS, policy_save
from outlets.errors import DomainError
from shipments.pickups.services import pickup_accept

from ..conftest import NOON, api_as, make_customer, make_pickup

pytestmark = pytest.mark.django_db

PAGE = "/service/policies/"
API = "/api/v1/clock-policies/"
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def contact_clock(customer, courier, now=NOON) -> Clock:
    pickup = pickup_accept(
        pickup=make_pickup(customer, now=now), courier=courier, now=now
    )
    return Clock.objects.get(
        subject_type=SubjectType.PICKUP,
        subject_id=pickup.pk,
        kind=ClockKind.PICKUP_CONTACT,
    )


def outlet_rule(outlet, kind=ClockKind.PICKUP_CONTACT, tier="", need=""):
    return ClockPolicy.objects.get(outlet=outlet, kind=kind, tier=tier, need=need)


# --- Defaults per clock kind, the same for page and API ------------------------


def test_changing_only_the_minutes_of_a_pickup_contact_rule_keeps_business_hours(
    client, manager_a, outlet_a
):
    client.force_login(manager_a)
    response = client.post(
        PAGE, {"outlet": outlet_a.pk, "kind": "pickup_contact", "minutes": 20}
    )
    assert response.status_code == 302
    rule = outlet_rule(outlet_a)
    assert (rule.minutes, rule.counting) == (20, Counting.BUSINESS_HOURS)
    assert rule.warn_before_minutes < 20


def test_changing_only_the_minutes_of_an_existing_rule_keeps_its_other_settings(
    client, manager_a, outlet_a
):
    policy_save(
        by=manager_a,
        outlet=outlet_a,
        kind="milestone_push",
        minutes=40,
        warn_before_minutes=7,
        counting=Counting.BUSINESS_HOURS,
        escalate_after_minutes=45,
    )
    client.force_login(manager_a)
    client.post(PAGE, {"outlet": outlet_a.pk, "kind": "milestone_push", "minutes": 35})
    rule = outlet_rule(outlet_a, kind="milestone_push")
    assert (
        rule.minutes,
        rule.warn_before_minutes,
        rule.counting,
        rule.escalate_after_minutes,
    ) == (35, 7, Counting.BUSINESS_HOURS, 45)


def test_policy_page_leaves_counting_warning_and_escalation_empty_by_default(
    client, manager_a
):
    client.force_login(manager_a)
    form = client.get(PAGE).context["form"]
    for name in ("counting", "warn_before_minutes", "escalate_after_minutes"):
        assert not form.fields[name].required, name
        assert form[name].value() in (None, ""), name


def test_a_one_minute_rule_through_the_api_is_accepted_with_no_warning_lead(
    manager_a, outlet_a
):
    response = api_as(manager_a).post(
        API, {"kind": "pickup_contact", "minutes": 1}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["minutes"], body["warn_before_minutes"]) == (1, 0)
    assert body["counting"] == Counting.BUSINESS_HOURS
    assert body["escalate_after_minutes"] == 30


@pytest.mark.parametrize("kind", ClockKind.values)
@pytest.mark.parametrize("minutes", [1, 2, 7, 90])
def test_page_and_api_fill_in_the_same_defaults_for_every_clock(
    client, manager_a, manager_b, outlet_a, outlet_b, kind, minutes
):
    client.force_login(manager_a)
    page = client.post(PAGE, {"outlet": outlet_a.pk, "kind": kind, "minutes": minutes})
    assert page.status_code == 302
    api = api_as(manager_b).post(API, {"kind": kind, "minutes": minutes}, format="json")
    assert api.status_code == 201, api.content
    by_page, by_api = outlet_rule(outlet_a, kind), outlet_rule(outlet_b, kind)
    fields = ("minutes", "warn_before_minutes", "counting", "escalate_after_minutes")
    assert [getattr(by_page, f) for f in fields] == [getattr(by_api, f) for f in fields]
    assert by_page.counting == STANDARDS[kind].counting
    assert 0 <= by_page.warn_before_minutes < minutes


def test_a_warning_given_explicitly_must_still_come_before_the_limit(
    manager_a, outlet_a
):
    response = api_as(manager_a).post(
        API,
        {"kind": "pickup_contact", "minutes": 1, "warn_before_minutes": 1},
        format="json",
    )
    assert response.status_code == 400
    assert "warn_before_minutes" in response.json()["error"]["fields"]


# --- A tier or need rule only tightens the general promise ---------------------


def test_tightening_the_general_pickup_rule_to_1_minute_tightens_key_and_strategic(
    manager_a, outlet_a, courier_a
):
    policy_save(by=manager_a, outlet=outlet_a, kind="pickup_contact", minutes=1)
    regular = contact_clock(make_customer(outlet_a), courier_a)
    key = contact_clock(make_customer(outlet_a, tier="key"), courier_a)
    strategic = contact_clock(make_customer(outlet_a, tier="strategic"), courier_a)
    assert [c.policy_minutes for c in (regular, key, strategic)] == [1, 1, 1]
    assert key.policy_label == "Priority pickup"  # still marked as priority


def test_a_customer_gets_the_tightest_of_their_tier_and_need_rules(
    hq_admin, outlet_a, courier_a
):
    policy_save(
        by=hq_admin,
        outlet=outlet_a,
        kind="pickup_contact",
        need="cold_chain",
        minutes=8,
    )
    customer = make_customer(outlet_a, tier="key", needs=["cold_chain"])
    assert contact_clock(customer, courier_a).policy_minutes == 8


@pytest.mark.parametrize(
    ("tier", "need"), [("key", ""), ("", "fragile"), ("strategic", "valuables")]
)
def test_a_tier_or_need_rule_looser_than_the_general_rule_is_refused(
    client, manager_a, outlet_a, tier, need
):
    policy_save(by=manager_a, outlet=outlet_a, kind="pickup_contact", minutes=25)
    with pytest.raises(DomainError) as refused:
        policy_save(
            by=manager_a,
            outlet=outlet_a,
            kind="pickup_contact",
            tier=tier,
            need=need,
            minutes=26,
        )
    assert "only tighten" in str(refused.value.fields["minutes"][0])
    data = {"kind": "pickup_contact", "tier": tier, "need": need, "minutes": 26}
    api = api_as(manager_a).post(API, data, format="json", **CHINESE)
    assert api.status_code == 400
    assert "只能收紧" in api.json()["error"]["fields"]["minutes"][0]
    client.force_login(manager_a)
    page = client.post(PAGE, {**data, "outlet": outlet_a.pk})
    assert "minutes" in page.context["form"].errors
    assert not ClockPolicy.objects.filter(outlet=outlet_a, tier=tier, need=need)


def test_a_tier_rule_as_tight_as_the_general_rule_is_saved(manager_a, outlet_a):
    policy_save(
        by=manager_a, outlet=outlet_a, kind="pickup_contact", tier="key", minutes=30
    )
    assert outlet_rule(outlet_a, tier="key").minutes == 30


def test_policies_page_says_the_general_rule_applies_where_it_is_tighter(
    client, manager_a, outlet_a
):
    policy_save(by=manager_a, outlet=outlet_a, kind="pickup_contact", minutes=1)
    client.force_login(manager_a)
    response = client.get(PAGE)
    marked = {
        (p.tier, p.general_minutes)
        for p in response.context["policies"]
        if p.kind == "pickup_contact" and p.general_minutes
    }
    assert marked == {("key", 1), ("strategic", 1)}
    html = response.content.decode()
    assert (
        "General rule applies: 1 min is tighter than this rule's 20 min for "
        "Key customer." in html
    )
    chinese = client.get(PAGE, **CHINESE).content.decode()
    assert "适用通用规则：1 分钟比本规则给重点客户的 20 分钟更严格。" in chinese


def test_policies_page_marks_nothing_while_tier_rules_are_tighter(client, manager_a):
    client.force_login(manager_a)
    rows = client.get(PAGE).context["policies"]
    assert not [p for p in rows if p.general_minutes]


# --- Bounds ---------------------------------------------------------------------

TOO_MANY = [MAX_MINUTES + 1, 10 * 365 * 24 * 60, 2**31, 2**63, 10**30]


@pytest.mark.parametrize("minutes", TOO_MANY)
@pytest.mark.parametrize(
    "field", ["minutes", "escalate_after_minutes", "warn_before_minutes"]
)
def test_implausibly_long_policy_minutes_are_a_400_in_words_not_a_500(
    manager_a, outlet_a, field, minutes
):
    data = {"kind": "problem_remedy", "minutes": 180, field: minutes}
    response = api_as(manager_a).post(API, data, format="json", **CHINESE)
    assert response.status_code == 400, response.content
    assert "30 天" in response.json()["error"]["fields"][field][0]
    assert not ClockPolicy.objects.filter(outlet=outlet_a).exists()


@pytest.mark.parametrize("minutes", TOO_MANY)
@pytest.mark.parametrize("field", ["minutes", "escalate_after_minutes"])
def test_implausibly_long_policy_minutes_are_a_form_error_on_the_page(
    client, manager_a, outlet_a, field, minutes
):
    client.force_login(manager_a)
    data = {"outlet": outlet_a.pk, "kind": "problem_remedy", "minutes": 180}
    response = client.post(PAGE, {**data, field: minutes}, **CHINESE)
    assert response.status_code == 200
    assert "30 天" in str(response.context["form"].errors[field])
    assert not ClockPolicy.objects.filter(outlet=outlet_a).exists()


def test_thirty_days_is_the_longest_promise(manager_a, outlet_a):
    policy_save(
        by=manager_a,
        outlet=outlet_a,
        kind="problem_remedy",
        minutes=MAX_MINUTES,
        escalate_after_minutes=MAX_MINUTES,
    )
    assert outlet_rule(outlet_a, "problem_remedy").minutes == MAX_MINUTES


def test_a_one_minute_general_rule_starts_a_one_minute_clock(
    manager_a, outlet_a, courier_a
):
    policy_save(by=manager_a, outlet=outlet_a, kind="pickup_contact", minutes=1)
    clock = contact_clock(make_customer(outlet_a), courier_a)
    assert clock.due_at == NOON + timedelta(minutes=1)
    assert clock.warn_at == clock.due_at


def test_admin_refuses_a_ten_year_policy_too(client, hq_admin, outlet_a):
    hq_admin.is_staff = hq_admin.is_superuser = True
    hq_admin.save()
    client.force_login(hq_admin)
    data = {
        "outlet": outlet_a.pk,
        "kind": "problem_remedy",
        "tier": "",
        "need": "",
        "minutes": 10 * 365 * 24 * 60,
        "warn_before_minutes": 5,
        "counting": "calendar",
        "escalate_after_minutes": 2**31,
        "label": "",
    }
    response = client.post("/admin/clocks/clockpolicy/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"minutes", "escalate_after_minutes"} <= set(errors)
    assert not ClockPolicy.objects.filter(outlet=outlet_a).exists()
