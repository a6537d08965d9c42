"""Reads of customer care: the account manager's day, follow-up lists and
counts, and a customer's timeline. Every read goes through ``visible``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any, NamedTuple, cast

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import customers.models as customer_models
from clocks.models import Clock, ClockKind, ClockState, Message, MessageStatus
from customers.models import Customer, CustomerNote, TierChange
from customers.tenure import add_months
from outlets.access import ROLES, Capability, may, visible
from outlets.models import Staff
from shipments.models import Problem, ProblemStage

from .models import FollowUp, FollowUpKind, FollowUpState
from .surveys.models import Survey

# Enough for a morning; the rest is a link to the full list.
DAY_LIMIT = 50
SIDE_LIMIT = 20
NOTES_BESIDE = 2
# A warning about a full warehouse is worth seeing as soon as it exists.
WAREHOUSE_AHEAD = timedelta(days=3)
# A detractor is called within 24 hours: on the day as soon as they answered,
# even when the call is due tomorrow.
SHOWN_AT_ONCE = (FollowUpKind.DETRACTOR_CALL,)


def follow_ups_for(user: Staff) -> QuerySet[FollowUp]:
    return visible(user, FollowUp.objects.all()).select_related(
        "customer", "owner", "closed_by"
    )


# --- The customer file beside each item ----------------------------------------


@dataclass
class CustomerFile:
    customer: Customer
    habits: object | None
    notes: list[CustomerNote] = field(default_factory=list)
    dates: list = field(default_factory=list)


# The customer of every item on the day comes with its habits (select_related),
# so the file beside the item costs no query of its own.
WITH_FILE = ("customer__habits",)


def customer_files(
    customers: Iterable[Customer], *, today: date
) -> dict[int, CustomerFile]:
    """The latest notes and personal dates of these customers: 2 queries.

    ``customers`` come with their habits (``select_related("habits")``); the
    files are in the customers' order (name, then id).
    """
    loaded = {customer.pk: customer for customer in customers}
    if not loaded:
        return {}
    files = {
        customer.pk: CustomerFile(customer, getattr(customer, "habits", None))
        for customer in sorted(loaded.values(), key=lambda c: (c.name, c.pk))
    }
    customer_ids = set(files)
    for note in _latest_notes(customer_ids):
        files[note.customer_id].notes.append(note)
    for customer_id, when, personal in personal_dates_between(
        Q(customer__in=customer_ids), today, today + timedelta(days=366)
    ):
        files[customer_id].dates.append((when, personal))
    return files


def _latest_notes(customer_ids: set[int]) -> list[CustomerNote]:
    ranked = (
        CustomerNote.objects.filter(customer__in=customer_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("customer_id")],
                order_by=[F("noted_on").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=NOTES_BESIDE)
        .select_related("author")
    )
    return sorted(ranked, key=lambda note: (note.noted_on, note.pk), reverse=True)


# --- Personal dates (care3's customers.PersonalDate) ----------------------------


def personal_dates_between(
    customers: Q, first: date, last: date, *, related: tuple[str, ...] = ()
) -> list[tuple[int, date, Any]]:
    """(customer id, the day it falls on, the date) for dates in [first, last].

    Reads ``customers.models.PersonalDate`` when it exists, [] before. A yearly
    date recurs each year; 29 February falls on 28 February in other years.
    ``related`` is read along with each date (``select_related``).
    """
    model = getattr(customer_models, "PersonalDate", None)
    if model is None or last < first:
        return []
    rows = model.objects.filter(customers)
    if related:
        rows = rows.select_related(*related)
    if (last - first).days < 366:
        rows = rows.filter(_on_days(first, last))
    found = []
    for personal in rows:
        for year in range(first.year, last.year + 1):
            when = _falls_on(personal, year)
            if when is not None and first <= when <= last:
                found.append((personal.customer_id, when, personal))
    return sorted(found, key=lambda row: row[1])


def _on_days(first: date, last: date) -> Q:
    """Month and day among the days from ``first`` to ``last`` (a short span)."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    pairs = {(day.month, day.day) for day in days}
    if (2, 28) in pairs:
        pairs.add((2, 29))
    condition = Q()
    for month, day in pairs:
        condition |= Q(month=month, day=day)
    return condition


def _falls_on(personal, year: int) -> date | None:
    if personal.year is not None and personal.year != year:
        return None
    try:
        return date(year, personal.month, personal.day)
    except ValueError:
        if (personal.month, personal.day) == (2, 29):
            return date(year, 2, 28)
        return None


# --- The account manager's day -------------------------------------------------


@dataclass
class Day:
    today: date
    now: datetime
    follow_ups: list[FollowUp]
    follow_ups_more: int
    warehouse_warnings: list[FollowUp]
    personal_dates: list["DateRow"]
    breaches: list[Clock]
    problems: list[Problem]
    files: dict[int, CustomerFile]


class DateRow(NamedTuple):
    customer_id: int
    when: date
    personal: object
    customer_file: CustomerFile | None


def my_customers(user: Staff) -> QuerySet[Customer]:
    """An account manager's book; a manager's whole outlet (HQ: everything)."""
    customers = visible(user, Customer.objects.all())
    if may(user, Capability.MANAGE_FOLLOW_UPS):
        return customers
    return customers.filter(account_manager=user)


def _in_book(user: Staff) -> Q:
    """Rows whose customer is in ``my_customers(user)``, as a join condition.

    ``customer__in=<the book>`` let the planner walk every clock of a 2,000
    customer book (it guesses a customer has one); as a join it reads the few
    running breaches through their partial index instead.
    """
    if may(user, Capability.MANAGE_FOLLOW_UPS):
        return Q()
    return Q(customer__account_manager=user)


def my_day(user: Staff, *, now: datetime) -> Day:
    """What ``user`` should do today, with each customer's file beside it.

    1. Their open follow-ups due by the end of today (overdue first), and
       detractor calls as soon as they exist, bounded.
    2. Open warehouse warnings due within three days.
    3. Personal dates of their customers this week (today and six more days).
    4. Their customers' running breaches (follow-ups apart: they are in 1.)
       and open problems, bounded.
    5. One file per customer named above: habits, latest notes, dates.
    """
    today = timezone.localdate(now)
    end_of_today = _end_of(today)
    mine = _my_open_follow_ups(user)
    follow_ups, due_total = _due_follow_ups(mine, end_of_today)
    warnings = list(
        mine.filter(
            kind=FollowUpKind.WAREHOUSE_WARNING,
            due_at__lt=end_of_today + WAREHOUSE_AHEAD,
        )[:SIDE_LIMIT]
    )
    for follow_up in chain(follow_ups, warnings):
        follow_up.owner = user  # theirs by the filter: no join to read the name
    book = my_customers(user)
    dates = personal_dates_between(
        Q(customer__in=book.values("pk")),
        today,
        today + timedelta(days=6),
        related=WITH_FILE,
    )[:SIDE_LIMIT]
    breaches = _running_breaches(user)
    problems = _open_problems(user, book)
    # Rows of several models, each with a customer (and its id).
    items: list[Any] = [*follow_ups, *warnings, *breaches, *problems]
    files = customer_files(
        chain((item.customer for item in items), (row[2].customer for row in dates)),
        today=today,
    )
    # Each item carries its customer's file, so a page shows it beside it.
    for item in items:
        item.customer_file = files.get(item.customer_id)
    date_rows = [DateRow(*row, files.get(row[0])) for row in dates]
    return Day(
        today=today,
        now=now,
        follow_ups=follow_ups,
        follow_ups_more=max(0, due_total - DAY_LIMIT),
        warehouse_warnings=warnings,
        personal_dates=date_rows,
        breaches=breaches,
        problems=problems,
        files=files,
    )


def _my_open_follow_ups(user: Staff) -> QuerySet[FollowUp]:
    """Through ``visible`` like every read; the owner is ``user`` and an open
    follow-up has no closer, so only the customer (and its habits) is joined."""
    return (
        visible(user, FollowUp.objects.all())
        .filter(owner=user, state=FollowUpState.OPEN)
        .select_related(*WITH_FILE)
    )


def _due_follow_ups(
    mine: QuerySet[FollowUp], end_of_today: datetime
) -> tuple[list[FollowUp], int]:
    """The first ``DAY_LIMIT`` due, and how many are due in all.

    The total rides on each row (``COUNT(*) OVER ()``, counted before the
    LIMIT), so a full list costs no second query.
    """
    due = mine.exclude(kind=FollowUpKind.WAREHOUSE_WARNING).filter(
        Q(due_at__lt=end_of_today) | Q(kind__in=SHOWN_AT_ONCE)
    )
    rows = list(due.annotate(due_total=Window(Count("pk")))[:DAY_LIMIT])
    total = rows[0].due_total if rows else 0
    return cast(list[FollowUp], rows), total


def _end_of(day: date) -> datetime:
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time())
    return timezone.make_aware(midnight)


def _running_breaches(user: Staff) -> list[Clock]:
    clocks = visible(user, Clock.objects.all()).filter(
        _in_book(user),
        state=ClockState.BREACHED,
        met_at__isnull=True,
    )
    return list(
        clocks.exclude(kind=ClockKind.FOLLOW_UP)
        .select_related(*WITH_FILE)
        .order_by("due_at")[:SIDE_LIMIT]
    )


def _open_problems(user: Staff, book: QuerySet[Customer]) -> list[Problem]:
    problems = visible(user, Problem.objects.all()).filter(
        customer__in=book.values("pk")
    )
    return list(
        problems.exclude(stage=ProblemStage.CLOSED)
        .select_related(*WITH_FILE, "shipment")
        .order_by("reported_at")[:SIDE_LIMIT]
    )


# --- Managers: the outlet's follow-ups by owner and state ------------------------


@dataclass
class OwnerCounts:
    owner_id: int | None
    owner: Staff | None
    counts: dict[str, int]
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def counts_by_owner(
    follow_ups: QuerySet[FollowUp], *, now: datetime
) -> list[OwnerCounts]:
    """Per owner: how many follow-ups in each state, and how many open are overdue."""
    rows = (
        follow_ups.order_by()
        .values("owner", "state")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=Q(state=FollowUpState.OPEN, due_at__lt=now)),
        )
    )
    by_owner: dict[int | None, OwnerCounts] = {}
    for row in rows:
        entry = by_owner.setdefault(
            row["owner"],
            OwnerCounts(row["owner"], None, dict.fromkeys(FollowUpState.values, 0), 0),
        )
        entry.counts[row["state"]] = row["n"]
        entry.overdue += row["late"]
    staff = Staff.objects.in_bulk({key for key in by_owner if key})
    for entry in by_owner.values():
        entry.owner = staff.get(entry.owner_id)
    return sorted(
        by_owner.values(),
        key=lambda e: (e.owner is None, e.owner.display_name if e.owner else ""),
    )


def colleagues_for_follow_ups(outlet_id: int) -> QuerySet[Staff]:
    """Who a follow-up of this outlet may be handed to."""
    return Staff.objects.filter(
        outlet_id=outlet_id,
        is_active=True,
        role__in=ROLES[Capability.WORK_FOLLOW_UPS],
    ).order_by("first_name", "username")


# --- A customer's timeline ---------------------------------------------------------

TIMELINE_LIMIT = 20


@dataclass
class Entry:
    at: datetime
    kind: str  # tier, tenure, follow_up, note, problem, message
    title: str
    text: str = ""
    who: str = ""
    subject: object = None
    key: tuple = ()


def customer_timeline(
    customer: Customer,
    *,
    now: datetime,
    before: datetime | None = None,
    limit: int = TIMELINE_LIMIT,
) -> tuple[list[Entry], datetime | None]:
    """The customer's history, newest first: ``limit`` entries before ``before``.

    Each source is read once, newest first and bounded to ``limit`` + 1 rows
    (one query per source, whatever the history's length); the merge keeps the
    newest ``limit``. Returns the entries and the cursor of the next page
    (None when nothing older is left).
    """
    before = before or now
    take = limit + 1
    entries = sorted(
        chain(
            _tier_entries(customer, before, take),
            _tenure_entries(customer, before, now),
            _follow_up_entries(customer, before, take),
            _note_entries(customer, before, take),
            _problem_entries(customer, before, take),
            _message_entries(customer, before, take),
            _survey_entries(customer, before, take),
        ),
        key=lambda entry: (entry.at, entry.key),
        reverse=True,
    )
    page, rest = entries[:limit], entries[limit:]
    return page, (page[-1].at if rest and page else None)


def _tier_entries(customer, before, take):
    changes = TierChange.objects.filter(customer=customer, changed_at__lt=before)
    for change in changes.order_by("-changed_at", "-pk")[:take]:
        yield Entry(
            change.changed_at,
            "tier",
            _("Tier changed"),
            f"{change.get_from_tier_display()} → {change.get_to_tier_display()}",
            subject=change,
            key=("tier", change.pk),
        )


def _tenure_entries(customer, before, now):
    """Tenure is counted from the cooperation start: its steps are derived."""
    start = customer.cooperation_start
    steps = ((3, _("Became a stable customer")), (12, _("Became a loyal customer")))
    for months, title in steps:
        try:
            day = add_months(start, months)
        except ValueError:
            continue
        # A month past the start counts the day after (tenure.tenure_on).
        at = (
            _end_of(day)
            if months == 12
            else timezone.make_aware(datetime.combine(day, datetime.min.time()))
        )
        if at < before and at <= now:
            yield Entry(at, "tenure", title, key=("tenure", months))


def _follow_up_entries(customer, before, take):
    closed = FollowUp.objects.filter(
        customer=customer, closed_at__isnull=False, closed_at__lt=before
    ).select_related("closed_by", "owner")
    for follow_up in closed.order_by("-closed_at", "-pk")[:take]:
        yield Entry(
            follow_up.closed_at,
            "follow_up",
            follow_up.get_kind_display(),
            follow_up.result_note,
            who=str(follow_up.closed_by or ""),
            subject=follow_up,
            key=("follow_up", follow_up.pk),
        )


def _note_entries(customer, before, take):
    notes = CustomerNote.objects.filter(customer=customer, created_at__lt=before)
    for note in notes.select_related("author").order_by("-created_at", "-pk")[:take]:
        yield Entry(
            note.created_at,
            "note",
            _("Note"),
            note.text,
            who=str(note.author or ""),
            subject=note,
            key=("note", note.pk),
        )


def _problem_entries(customer, before, take):
    problems = Problem.objects.filter(customer=customer, reported_at__lt=before)
    for problem in problems.order_by("-reported_at", "-pk")[:take]:
        yield Entry(
            problem.reported_at,
            "problem",
            problem.get_kind_display(),
            problem.description,
            subject=problem,
            key=("problem", problem.pk),
        )


def _survey_entries(customer, before, take):
    answered = Survey.objects.filter(
        customer=customer, answered_at__isnull=False, answered_at__lt=before
    )
    for survey in answered.order_by("-answered_at", "-pk")[:take]:
        yield Entry(
            survey.answered_at,
            "survey",
            _("Survey answer: %(score)s of 10") % {"score": survey.score},
            survey.comment,
            subject=survey,
            key=("survey", survey.pk),
        )


def _message_entries(customer, before, take):
    sent = Message.objects.filter(
        customer=customer,
        status=MessageStatus.SENT,
        sent_at__lt=before,
        staff__isnull=True,
    )
    for message in sent.order_by("-sent_at", "-pk")[:take]:
        yield Entry(
            message.sent_at,
            "message",
            message.get_channel_display(),
            message.text,
            subject=message,
            key=("message", message.pk),
        )
