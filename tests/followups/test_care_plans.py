"""Care plans: the nightly follow-ups by tier, tenure and need, idempotently.

NIGHT is Wednesday 18 November 2026, 02:45 in Shanghai, when beat runs the plan;
every test passes it in. A customer's periods start every cadence after their
cooperation start, so each test picks the start that makes tonight a period
start (or not).
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clocks.models import CalendarDay, CalendarDayKind, Clock, SubjectType
from customers.models import CustomerNeed, Need
from followups.care_plans.generate import followups_plan
from followups.care_plans.models import CarePlanRule
from followups.care_plans.rules import care_plan_rule_save
from followups.models import FollowUp, FollowUpKind
from outlets.models import BusinessHours
from tests.conftest import SHANGHAI, make_customer

pytestmark = pytest.mark.django_db

NIGHT = datetime(2026, 11, 18, 2, 45, tzinfo=SHANGHAI)
TODAY = date(2026, 11, 18)
TEN = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


def started(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)


def planned(customer, kind: str | None = None):
    rows = FollowUp.objects.filter(customer=customer)
    return list(rows.filter(kind=kind) if kind else rows)


# --- The network's defaults, one scope at a time ------------------------------


@pytest.mark.parametrize(
    ("tier", "cadence", "channel"),
    [("strategic", 7, "visit"), ("key", 14, "phone"), ("regular", 30, "phone")],
)
def test_return_visits_come_more_often_for_higher_tiers(
    outlet_a, account_manager_a, tier, cadence, channel
):
    # Over a year in: loyal, so only the return visit is asked about.
    due = make_customer(
        outlet_a,
        tier=tier,
        account_manager=account_manager_a,
        cooperation_start=started(cadence * 60),
    )
    not_yet = make_customer(
        outlet_a, tier=tier, cooperation_start=started(cadence * 60 + 3)
    )
    followups_plan(now=NIGHT)
    (visit,) = planned(due, FollowUpKind.RETURN_VISIT)
    assert visit.channel == channel and visit.owner == account_manager_a
    assert visit.due_at == TEN
    assert visit.source_key == f"plan:tier.{tier}.return_visit:{due.pk}:2026-11-18"
    assert planned(not_yet, FollowUpKind.RETURN_VISIT) == []


def test_casual_senders_get_no_return_visit(outlet_a):
    casual = make_customer(outlet_a, tier="casual", cooperation_start=started(30 * 20))
    followups_plan(now=NIGHT)
    assert planned(casual, FollowUpKind.RETURN_VISIT) == []


def test_a_new_customer_gets_a_check_in_after_two_weeks_and_a_review_after_a_month(
    outlet_a, manager_a
):
    two_weeks = make_customer(outlet_a, cooperation_start=started(14))
    a_month = make_customer(outlet_a, cooperation_start=started(30))
    thirteen_days = make_customer(outlet_a, cooperation_start=started(13))
    followups_plan(now=NIGHT)
    (check_in,) = planned(two_weeks)
    assert check_in.kind == FollowUpKind.NEW_CUSTOMER_CHECK_IN
    # Nobody looks after the customer yet: the outlet manager does.
    assert check_in.owner == manager_a
    assert check_in.source_key.endswith(f":{two_weeks.pk}:once")
    assert [f.kind for f in planned(a_month)] == [FollowUpKind.FIRST_MONTH_REVIEW]
    assert planned(thirteen_days) == []


def test_stable_customers_get_a_promotion_each_month(outlet_a):
    stable = make_customer(outlet_a, cooperation_start=started(150))
    followups_plan(now=NIGHT)
    (promotion,) = planned(stable)
    assert promotion.kind == FollowUpKind.PROMOTION and promotion.channel == "wechat"


def test_a_customer_who_opted_out_of_care_gets_no_offers_but_still_a_visit(
    outlet_a,
):
    customer = make_customer(
        outlet_a, tier="key", care_opt_out=True, cooperation_start=started(14 * 15)
    )
    followups_plan(now=NIGHT)  # 210 days: stable, a promotion and a visit due
    assert [f.kind for f in planned(customer)] == [FollowUpKind.RETURN_VISIT]


def test_loyal_customers_get_an_open_day_invitation_each_quarter(outlet_a):
    loyal = make_customer(outlet_a, cooperation_start=started(91 * 5))
    followups_plan(now=NIGHT)
    assert [f.kind for f in planned(loyal)] == [FollowUpKind.OPEN_DAY]


def test_a_rule_by_need_reaches_the_customers_with_that_need(outlet_a, hq_admin):
    care_plan_rule_save(
        by=hq_admin,
        outlet=None,
        scope="need",
        value=Need.COLD_CHAIN,
        kind=FollowUpKind.RETENTION_CALL,
        channel="phone",
        cadence_days=10,
    )
    fresh = make_customer(
        outlet_a, needs=[Need.COLD_CHAIN], cooperation_start=started(500)
    )
    ordinary = make_customer(outlet_a, cooperation_start=started(500))
    followups_plan(now=NIGHT)
    (call,) = planned(fresh, FollowUpKind.RETENTION_CALL)
    assert call.source_key.startswith("plan:need.cold_chain.retention_call:")
    assert planned(ordinary, FollowUpKind.RETENTION_CALL) == []


def test_the_note_says_what_to_do_and_why(outlet_a):
    make_customer(outlet_a, tier="key", cooperation_start=started(14 * 40))
    followups_plan(now=NIGHT)
    visit = FollowUp.objects.get(kind=FollowUpKind.RETURN_VISIT)
    assert "what we could do better" in visit.note
    assert "Key customer" in visit.note and "14 days" in visit.note


# --- Idempotence and catching up ----------------------------------------------


def test_running_the_plan_twice_creates_nothing_new(outlet_a):
    for days in (14, 30, 150, 91 * 5, 14 * 40):
        make_customer(outlet_a, tier="key", cooperation_start=started(days))
    first = followups_plan(now=NIGHT)
    clocks = Clock.objects.filter(subject_type=SubjectType.FOLLOW_UP).count()
    second = followups_plan(now=NIGHT + timedelta(minutes=20))
    assert first.created >= 5 and second.created == 0
    assert FollowUp.objects.count() == first.created
    assert Clock.objects.filter(subject_type=SubjectType.FOLLOW_UP).count() == clocks


def test_a_night_the_plan_missed_is_caught_up_the_next_two_nights_only(outlet_a):
    # The period started two nights ago: still planned tonight, due this morning.
    late = make_customer(outlet_a, tier="key", cooperation_start=started(14 * 40 + 2))
    too_late = make_customer(
        outlet_a, tier="key", cooperation_start=started(14 * 40 + 3)
    )
    followups_plan(now=NIGHT)
    (visit,) = planned(late, FollowUpKind.RETURN_VISIT)
    assert visit.source_key.endswith(":2026-11-16") and visit.due_at == TEN
    assert planned(too_late, FollowUpKind.RETURN_VISIT) == []
    # The next night the same period is not planned again.
    followups_plan(now=NIGHT + timedelta(days=1))
    assert len(planned(late, FollowUpKind.RETURN_VISIT)) == 1


def test_the_next_period_gets_its_own_follow_up(outlet_a):
    customer = make_customer(outlet_a, tier="key", cooperation_start=started(14 * 40))
    followups_plan(now=NIGHT)
    followups_plan(now=NIGHT + timedelta(days=14))
    keys = sorted(f.source_key for f in planned(customer, FollowUpKind.RETURN_VISIT))
    assert [key[-10:] for key in keys] == ["2026-11-18", "2026-12-02"]


def test_the_plan_queries_do_not_grow_with_the_customers(outlet_a, outlet_b):
    def queries(n: int) -> int:
        FollowUp.objects.all().delete()
        Clock.objects.all().delete()
        for i in range(n):
            make_customer(
                (outlet_a, outlet_b)[i % 2],
                tier="key",
                needs=[Need.FRAGILE, Need.COLD_CHAIN],
                cooperation_start=started(14 * 40),
            )
        with CaptureQueriesContext(connection) as captured:
            result = followups_plan(now=NIGHT)
        assert result.created >= n
        return len(captured.captured_queries)

    assert queries(2) == queries(20)


# --- Due at a decent hour of a business day -----------------------------------


def test_a_follow_up_planned_for_a_closed_day_is_due_the_next_open_morning(outlet_a):
    # Outlet A opens at 08:00; 18 November is made a public holiday, and 19
    # November opens only at 11:00.
    CalendarDay.objects.create(date=TODAY, kind=CalendarDayKind.HOLIDAY, name="x")
    BusinessHours.objects.filter(outlet=outlet_a, weekday=3).update(opens=time(11))
    make_customer(outlet_a, tier="key", cooperation_start=started(14 * 40))
    followups_plan(now=NIGHT)
    visit = FollowUp.objects.get(kind=FollowUpKind.RETURN_VISIT)
    assert visit.due_at == datetime(2026, 11, 19, 11, 0, tzinfo=SHANGHAI)


def test_a_plan_run_in_the_afternoon_is_never_overdue_at_birth(outlet_a):
    make_customer(outlet_a, tier="key", cooperation_start=started(14 * 40))
    afternoon = NIGHT.replace(hour=15)
    followups_plan(now=afternoon)
    visit = FollowUp.objects.get(kind=FollowUpKind.RETURN_VISIT)
    assert visit.due_at == datetime(2026, 11, 19, 10, 0, tzinfo=SHANGHAI)


# --- An outlet's own rules ----------------------------------------------------


def test_an_outlet_rule_replaces_the_network_default_for_the_same_scope(
    outlet_a, outlet_b, manager_a
):
    care_plan_rule_save(
        by=manager_a,
        outlet=outlet_a,
        scope="tier",
        value="key",
        kind=FollowUpKind.RETURN_VISIT,
        channel="visit",
        cadence_days=7,
    )
    # 7 weeks in plus one: a weekly period starts tonight, a fortnightly does not.
    here = make_customer(outlet_a, tier="key", cooperation_start=started(7 * 81))
    there = make_customer(outlet_b, tier="key", cooperation_start=started(7 * 81))
    followups_plan(now=NIGHT)
    (visit,) = planned(here, FollowUpKind.RETURN_VISIT)
    assert visit.channel == "visit"
    assert planned(there, FollowUpKind.RETURN_VISIT) == []


def test_an_outlet_switches_a_network_rule_off_for_itself_only(
    outlet_a, outlet_b, manager_a
):
    care_plan_rule_save(
        by=manager_a,
        outlet=outlet_a,
        scope="tenure",
        value="stable",
        kind=FollowUpKind.PROMOTION,
        channel="wechat",
        cadence_days=30,
        active=False,
    )
    here = make_customer(outlet_a, cooperation_start=started(150))
    there = make_customer(outlet_b, cooperation_start=started(150))
    followups_plan(now=NIGHT)
    assert planned(here) == []
    assert [f.kind for f in planned(there)] == [FollowUpKind.PROMOTION]


def test_an_outlet_switches_on_what_the_network_leaves_off(outlet_a, manager_a):
    care_plan_rule_save(
        by=manager_a,
        outlet=outlet_a,
        scope="tier",
        value="casual",
        kind=FollowUpKind.RETURN_VISIT,
        channel="sms",
        cadence_days=60,
    )
    casual = make_customer(outlet_a, tier="casual", cooperation_start=started(600))
    followups_plan(now=NIGHT)
    assert [f.channel for f in planned(casual)] == ["sms"]


def test_the_defaults_are_network_rows_an_outlet_can_see_and_override():
    rows = {
        (r.scope, r.value, r.kind): (r.cadence_days, r.offset_days, r.active)
        for r in CarePlanRule.objects.filter(outlet=None)
    }
    assert rows[("tier", "strategic", "return_visit")] == (7, None, True)
    assert rows[("tier", "key", "return_visit")] == (14, None, True)
    assert rows[("tier", "regular", "return_visit")] == (30, None, True)
    assert rows[("tier", "casual", "return_visit")][2] is False
    assert rows[("tenure", "new", "new_customer_check_in")] == (None, 14, True)
    assert rows[("tenure", "new", "first_month_review")] == (None, 30, True)
    assert rows[("tenure", "stable", "promotion")] == (30, None, True)
    assert rows[("tenure", "loyal", "open_day")][0] in range(89, 93)


def test_a_customer_whose_need_was_removed_is_no_longer_planned_by_it(
    outlet_a, hq_admin
):
    care_plan_rule_save(
        by=hq_admin,
        outlet=None,
        scope="need",
        value=Need.FRAGILE,
        kind=FollowUpKind.RETENTION_CALL,
        channel="phone",
        cadence_days=10,
    )
    customer = make_customer(
        outlet_a, needs=[Need.FRAGILE], cooperation_start=started(500)
    )
    CustomerNeed.objects.filter(customer=customer).delete()
    followups_plan(now=NIGHT)
    assert planned(customer, FollowUpKind.RETENTION_CALL) == []
