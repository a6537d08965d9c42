"""The account manager's day (page and API), the one-tap steps on the page,
the managers' list, and the customer's timeline (page and API)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clocks.models import Clock, ClockKind, ClockState, SubjectType
from clocks.sweep import clocks_sweep
from customers.models import CustomerHabits, CustomerNote, PersonalDate
from followups.models import FollowUp, FollowUpKind, FollowUpState
from followups.selectors import DAY_LIMIT, SIDE_LIMIT, customer_timeline, my_day
from followups.services import follow_up_complete, follow_up_create
from outlets.models import Role
from shipments.problems.services import problem_report
from tests.conftest import api_as, make_customer, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


def plan(customer, by, now, *, due, kind=FollowUpKind.RETURN_VISIT, created=None):
    return follow_up_create(
        by=None,
        customer=customer,
        kind=kind,
        due_at=due,
        owner=by,
        now=created or now,
    )


@pytest.fixture
def book(customer_a, account_manager_a, now):
    """An overdue visit, one due later today, one next week, a warehouse warning."""
    CustomerHabits.objects.update_or_create(
        customer=customer_a,
        defaults={"prefers_parcel_locker": True, "packaging_preference": "A3 box"},
    )
    CustomerNote.objects.create(
        customer=customer_a,
        author=account_manager_a,
        noted_on=timezone.localdate(now),
        text="Son sits the exam in June",
    )
    start = now - timedelta(days=2)
    return {
        "overdue": plan(
            customer_a,
            account_manager_a,
            now,
            due=now - timedelta(hours=30),
            created=start,
        ),
        "today": plan(customer_a, account_manager_a, now, due=now),
        "later": plan(customer_a, account_manager_a, now, due=now + timedelta(days=8)),
        "warning": plan(
            customer_a,
            account_manager_a,
            now,
            due=now + timedelta(days=2),
            kind=FollowUpKind.WAREHOUSE_WARNING,
        ),
    }


def test_the_day_holds_due_and_overdue_follow_ups_with_the_customer_file(
    book, account_manager_a, now
):
    day = my_day(account_manager_a, now=now)
    ids = [f.pk for f in day.follow_ups]
    assert book["overdue"].pk in ids and book["later"].pk not in ids
    assert ids[0] == book["overdue"].pk  # overdue first
    assert [f.pk for f in day.warehouse_warnings] == [book["warning"].pk]
    file = day.follow_ups[0].customer_file
    assert file.habits.packaging_preference == "A3 box"
    assert [n.text for n in file.notes] == ["Son sits the exam in June"]


def test_the_day_shows_running_breaches_and_open_problems_of_my_customers(
    customer_a, account_manager_a, courier_a, now
):
    problem = problem_report(
        customer=customer_a,
        shipment=None,
        kind="complaint",
        description="Late again",
        reported_by=courier_a,
        now=now - timedelta(hours=2),
    )
    clocks_sweep(now=now)
    day = my_day(account_manager_a, now=now)
    assert day.breaches and all(c.kind != ClockKind.FOLLOW_UP for c in day.breaches)
    assert [p.pk for p in day.problems] == [problem.pk]
    assert day.problems[0].customer_file.customer == customer_a


def test_the_day_is_a_fixed_number_of_queries_for_any_book(
    account_manager_a, outlet_a, now
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            my_day(account_manager_a, now=now)
        return len(queries)

    customer = make_customer(outlet_a, account_manager=account_manager_a)
    plan(customer, account_manager_a, now, due=now)
    few = count()
    for _ in range(5):
        customer = make_customer(outlet_a, account_manager=account_manager_a)
        plan(customer, account_manager_a, now, due=now)
        CustomerNote.objects.create(
            customer=customer, noted_on=date(2026, 1, 1), text="x"
        )
    assert count() == few


def test_the_day_api_answers_the_same_lists(book, account_manager_a):
    body = api_as(account_manager_a).get("/api/v1/me/day/").json()
    assert book["overdue"].pk in [f["id"] for f in body["follow_ups"]]
    overdue = next(f for f in body["follow_ups"] if f["id"] == book["overdue"].pk)
    assert overdue["overdue"] is True
    assert [f["id"] for f in body["warehouse_warnings"]] == [book["warning"].pk]
    customer = body["customers"][0]
    assert customer["habits"]["packaging_preference"] == "A3 box"
    assert customer["notes"][0]["text"] == "Son sits the exam in June"


def test_an_account_manager_lands_on_the_day(client, account_manager_a, manager_a):
    client.force_login(account_manager_a)
    assert client.get("/")["Location"] == "/care/day/"
    client.force_login(manager_a)
    assert client.get("/")["Location"] != "/care/day/"


def test_the_day_page_lists_the_follow_ups_with_one_tap_outcomes(
    client, book, account_manager_a
):
    client.force_login(account_manager_a)
    page = client.get("/care/day/").content.decode()
    assert f'data-follow-up="{book["overdue"].pk}"' in page
    assert f'data-follow-up="{book["later"].pk}"' not in page
    assert 'name="outcome" value="satisfied"' in page
    assert "A3 box" in page and "Son sits the exam in June" in page


def test_one_tap_completes_with_an_outcome_and_a_note(client, book, account_manager_a):
    client.force_login(account_manager_a)
    follow_up = book["overdue"]
    response = client.post(
        f"/care/follow-ups/{follow_up.pk}/complete/",
        {
            "outcome": "more_business",
            "result_note": "200 more a month",
            "next": "/care/day/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/care/day/"
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.DONE
    assert follow_up.result_note == "200 more a month"


def test_one_tap_reschedules_to_tomorrow_morning(client, book, account_manager_a, now):
    client.force_login(account_manager_a)
    follow_up = book["today"]
    client.post(f"/care/follow-ups/{follow_up.pk}/reschedule/", {"when": "tomorrow"})
    follow_up.refresh_from_db()
    local = timezone.localtime(follow_up.due_at)
    assert local.date() == timezone.localdate(now) + timedelta(days=1)
    assert (local.hour, local.minute) == (10, 0)
    clock = Clock.objects.get(
        subject_type=SubjectType.FOLLOW_UP, subject_id=follow_up.pk
    )
    assert clock.due_at == follow_up.due_at


def test_one_tap_declines(client, book, account_manager_a):
    client.force_login(account_manager_a)
    follow_up = book["today"]
    client.post(f"/care/follow-ups/{follow_up.pk}/decline/", {"result_note": "Closed"})
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.DECLINED


def test_the_page_refuses_another_account_managers_follow_up_with_403(
    client, book, outlet_a, customer_a
):
    colleague = make_staff("am_a2", Role.ACCOUNT_MANAGER, outlet_a)
    customer_a.account_manager = colleague
    customer_a.save()
    client.force_login(colleague)
    follow_up = book["today"]
    response = client.post(
        f"/care/follow-ups/{follow_up.pk}/complete/", {"outcome": "satisfied"}
    )
    assert response.status_code == 403
    assert "am_a" in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.OPEN


def test_manager_b_gets_404_for_a_follow_up_of_outlet_a(client, book, manager_b):
    client.force_login(manager_b)
    response = client.post(
        f"/care/follow-ups/{book['today'].pk}/complete/", {"outcome": "satisfied"}
    )
    assert response.status_code == 404


def test_the_managers_list_counts_per_owner_and_reassigns(
    client, book, manager_a, outlet_a
):
    colleague = make_staff("am_a2", Role.ACCOUNT_MANAGER, outlet_a)
    client.force_login(manager_a)
    page = client.get("/care/follow-ups/", {"state": "open"}).content.decode()
    assert 'id="counts"' in page and "am_a" in page
    follow_up = book["later"]
    client.post(f"/care/follow-ups/{follow_up.pk}/reassign/", {"owner": colleague.pk})
    follow_up.refresh_from_db()
    assert follow_up.owner == colleague


def test_an_account_manager_may_not_open_the_managers_list(client, account_manager_a):
    client.force_login(account_manager_a)
    assert client.get("/care/follow-ups/").status_code == 403
    assert (
        api_as(account_manager_a).get("/api/v1/follow-ups/by-owner/").status_code == 403
    )


def test_a_follow_up_planned_on_the_page_shows_on_the_timeline(
    client, customer_a, account_manager_a, now
):
    client.force_login(account_manager_a)
    due = timezone.localtime(now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/care/customers/{customer_a.pk}/follow-up/",
        {"kind": "manual", "due_at": due, "note": "Call about 618"},
    )
    assert response.status_code == 302
    assert FollowUp.objects.get().note == "Call about 618"


# --- The timeline ---------------------------------------------------------------


def test_the_timeline_merges_tier_follow_ups_notes_and_problems_newest_first(
    customer_a, account_manager_a, courier_a, now
):
    customer_a.tier_changes.create(
        from_tier="casual",
        to_tier="key",
        volume=1200,
        changed_at=now - timedelta(days=3),
    )
    visit = plan(
        customer_a, account_manager_a, now, due=now, created=now - timedelta(days=2)
    )
    follow_up_complete(
        follow_up=visit,
        by=account_manager_a,
        outcome="satisfied",
        result_note="Happy",
        now=now - timedelta(days=1),
    )
    CustomerNote.objects.create(
        customer=customer_a, noted_on=date(2026, 1, 1), text="n"
    )
    problem_report(
        customer=customer_a,
        shipment=None,
        kind="complaint",
        description="Late",
        reported_by=courier_a,
        now=now - timedelta(hours=1),
    )
    entries, older = customer_timeline(customer_a, now=now + timedelta(seconds=1))
    kinds = [e.kind for e in entries if e.kind != "tenure"]
    assert kinds == ["note", "problem", "follow_up", "tier"]
    assert older is None


def test_the_timeline_is_bounded_and_pages_with_a_cursor(customer_a, now):
    for n in range(25):
        CustomerNote.objects.create(
            customer=customer_a, noted_on=date(2026, 1, 1), text=f"n{n}"
        )
    entries, older = customer_timeline(
        customer_a, now=now + timedelta(seconds=1), limit=10
    )
    assert len(entries) == 10 and older is not None
    rest, _ = customer_timeline(customer_a, now=now, before=older, limit=100)
    assert not {e.key for e in entries} & {e.key for e in rest}


def test_the_timeline_costs_the_same_queries_for_a_long_history(
    customer_a, account_manager_a, now
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            customer_timeline(customer_a, now=now + timedelta(minutes=1))
        return len(queries)

    few = count()
    for _ in range(5):
        visit = plan(customer_a, account_manager_a, now, due=now)
        follow_up_complete(
            follow_up=visit, by=account_manager_a, outcome="other", now=now
        )
    assert count() == few


def test_the_timeline_api_shows_follow_ups_with_outcomes(
    customer_a, account_manager_a, manager_b, now
):
    visit = plan(customer_a, account_manager_a, now, due=now)
    follow_up_complete(
        follow_up=visit, by=account_manager_a, outcome="satisfied", now=now
    )
    url = f"/api/v1/customers/{customer_a.pk}/timeline/"
    body = api_as(account_manager_a).get(url).json()
    entry = next(e for e in body["entries"] if e["kind"] == "follow_up")
    assert entry["outcome"] == "satisfied" and entry["id"] == visit.pk
    assert api_as(manager_b).get(url).status_code == 404


def test_the_customer_page_shows_the_timeline(
    client, customer_a, account_manager_a, now
):
    visit = plan(customer_a, account_manager_a, now, due=now)
    follow_up_complete(
        follow_up=visit,
        by=account_manager_a,
        outcome="more_business",
        result_note="Deal",
        now=now,
    )
    client.force_login(account_manager_a)
    page = client.get(f"/customers/{customer_a.pk}/").content.decode()
    assert 'id="timeline"' in page and "Deal" in page and "More business" in page


def test_a_follow_up_clock_breach_is_not_listed_twice_on_the_day(
    book, account_manager_a, now
):
    clocks_sweep(now=now)
    assert Clock.objects.filter(
        kind=ClockKind.FOLLOW_UP, state=ClockState.BREACHED
    ).exists()
    assert my_day(account_manager_a, now=now).breaches == []


# --- The day's cost does not grow with the book -----------------------------------


def _grow_the_day(outlet, account_manager, courier, now, customers: int) -> None:
    """``customers`` more customers, each on every list of the day: a follow-up
    due, a warehouse warning, a note, a personal date today, an open problem
    whose clock breaches."""
    today = timezone.localdate(now)
    for _ in range(customers):
        customer = make_customer(outlet, account_manager=account_manager)
        plan(customer, account_manager, now, due=now - timedelta(hours=1))
        plan(
            customer,
            account_manager,
            now,
            due=now + timedelta(days=1),
            kind=FollowUpKind.WAREHOUSE_WARNING,
        )
        CustomerNote.objects.create(customer=customer, noted_on=today, text="x")
        PersonalDate.objects.create(
            customer=customer,
            kind="birthday",
            month=today.month,
            day=today.day,
            created_at=now,
        )
        problem_report(
            customer=customer,
            shipment=None,
            kind="complaint",
            description="Late again",
            reported_by=courier,
            now=now - timedelta(hours=3),
        )
    clocks_sweep(now=now)


def test_the_day_page_and_api_cost_the_same_queries_for_a_book_past_every_limit(
    client, outlet_a, account_manager_a, courier_a, now
):
    client.force_login(account_manager_a)
    api = api_as(account_manager_a)

    def count(get, url):
        with CaptureQueriesContext(connection) as queries:
            assert get(url).status_code == 200
        return len(queries)

    _grow_the_day(outlet_a, account_manager_a, courier_a, now, 1)
    few = count(client.get, "/care/day/"), count(api.get, "/api/v1/me/day/")
    # Past the 50 follow-ups shown and the 20 of each side list.
    _grow_the_day(outlet_a, account_manager_a, courier_a, now, DAY_LIMIT + 5)
    day = my_day(account_manager_a, now=now)
    assert len(day.follow_ups) == DAY_LIMIT and day.follow_ups_more == 6
    assert len(day.problems) == len(day.breaches) == SIDE_LIMIT
    assert len(day.warehouse_warnings) == len(day.personal_dates) == SIDE_LIMIT
    many = count(client.get, "/care/day/"), count(api.get, "/api/v1/me/day/")
    assert many == few


def test_the_day_shows_the_time_alone_for_a_follow_up_due_early_this_morning(
    client, customer_a, account_manager_a, now
):
    # 00:30 in Shanghai is still yesterday in UTC.
    early = timezone.localtime(now).replace(hour=0, minute=30)
    plan(customer_a, account_manager_a, now, due=early)
    yesterday = early - timedelta(days=1)
    plan(customer_a, account_manager_a, now, due=yesterday)
    client.force_login(account_manager_a)
    page = client.get("/care/day/").content.decode()
    assert "<div>00:30</div>" in page
    assert f"<div>{yesterday:%m-%d} 00:30</div>" in page


def test_each_card_posts_to_its_own_follow_ups_steps(client, book, account_manager_a):
    client.force_login(account_manager_a)
    page = client.get("/care/day/").content.decode()
    pk = book["overdue"].pk
    assert f'action="{reverse("followups:complete", args=[pk])}"' in page
    assert f'formaction="{reverse("followups:reschedule", args=[pk])}"' in page
    assert f'formaction="{reverse("followups:decline", args=[pk])}"' in page
    customer_page = reverse("customers:detail", args=[book["overdue"].customer_id])
    assert f'href="{customer_page}"' in page
