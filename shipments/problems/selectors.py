"""Reads of problems shared by the pages and the API, always through access.

A problem's clocks are rows keyed by (subject type, subject id), not a foreign
key, so lists load them for all listed problems in one query (``attach_clocks``).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from clocks.models import Clock, ClockKind, ClockState, SubjectType
from clocks.selectors import clocks_of
from outlets.access import visible
from outlets.models import Role, Staff

from ..models import Liability, Problem, ProblemStage, Shipment

# The clock each open stage is racing; a remedied problem only awaits closing.
STAGE_CLOCK: dict[str, str] = {
    ProblemStage.REPORTED: ClockKind.PROBLEM_RESPONSE,
    ProblemStage.RESPONDED: ClockKind.PROBLEM_SOLUTION,
    ProblemStage.SOLUTION_OFFERED: ClockKind.PROBLEM_REMEDY,
}
CLOCK_ORDER = list(STAGE_CLOCK.values())
OPEN_STAGES = [stage for stage in ProblemStage.values if stage != ProblemStage.CLOSED]


def problems_for(user: Staff) -> QuerySet[Problem]:
    return visible(user, Problem.objects.all()).select_related(
        "outlet", "customer", "shipment", "owner", "reported_by"
    )


def problem_detail(user: Staff, pk: int) -> Problem | None:
    problem = problems_for(user).filter(pk=pk).first()
    if problem is not None:
        attach_clocks([problem])
    return problem


def reportable_shipments(user: Staff) -> QuerySet[Shipment]:
    """Shipments a user may report a problem on: any of their outlet's.

    Wider than ``visible`` for couriers on purpose: a courier who finds a
    damaged parcel reports it whoever picked it up.
    """
    if not user.is_authenticated or not user.is_active:
        return Shipment.objects.none()
    shipments = Shipment.objects.select_related("customer")
    if user.role == Role.HQ_ADMIN:
        return shipments
    if user.outlet_id is None:
        return shipments.none()
    if user.role == Role.ACCOUNT_MANAGER:
        return visible(user, shipments)
    return shipments.filter(outlet_id=user.outlet_id)


def attach_clocks(problems: Iterable[Problem]) -> None:
    """Give each problem ``clocks`` (in stage order) and its ``current_clock``."""
    problems = list(problems)
    found: defaultdict[int, dict[str, Clock]] = defaultdict(dict)
    for clock in clocks_of(
        SubjectType.PROBLEM, [p.pk for p in problems]
    ).select_related("customer"):
        if clock.paused_at:
            left = (clock.due_at - clock.paused_at).total_seconds()
            clock.paused_left_minutes = max(int(left // 60), 0)  # type: ignore[attr-defined]  # set for display
        found[clock.subject_id][clock.kind] = clock
    for problem in problems:
        mine = found[problem.pk]
        problem.clocks = [mine[kind] for kind in CLOCK_ORDER if kind in mine]  # type: ignore[attr-defined]  # set for display
        problem.current_clock = mine.get(STAGE_CLOCK.get(problem.stage, ""))  # type: ignore[attr-defined]  # set for display


def time_left(problem: Problem, now: datetime) -> timedelta | None:
    """What the current stage has left; a paused clock keeps what it had."""
    clock = getattr(problem, "current_clock", None)
    if clock is None or clock.state in (ClockState.MET, ClockState.CANCELLED):
        return None
    if clock.state == ClockState.PAUSED and clock.paused_at:
        return clock.due_at - clock.paused_at
    return clock.due_at - now


@dataclass
class StageGroup:
    stage: str
    label: StrOrPromise
    problems: list[Problem]


def problem_board(user: Staff, *, now: datetime) -> list[StageGroup]:
    """Open problems grouped by stage, each group ordered by time left."""
    problems = list(problems_for(user).filter(stage__in=OPEN_STAGES))
    attach_clocks(problems)
    for problem in problems:
        problem.time_left = time_left(problem, now)  # type: ignore[attr-defined]  # set for display
    never = timedelta.max
    problems.sort(key=lambda p: (p.time_left is None, p.time_left or never))  # type: ignore[attr-defined]  # set for display
    return [
        StageGroup(stage, ProblemStage(stage).label, rows)
        for stage in OPEN_STAGES
        if (rows := [p for p in problems if p.stage == stage])
    ]


@dataclass(frozen=True)
class TimelineEntry:
    stage: str
    label: StrOrPromise
    at: datetime
    notes: list[tuple[StrOrPromise, str]]


def problem_timeline(problem: Problem) -> list[TimelineEntry]:
    """The stages reached so far, each with its evidence."""
    steps = [
        (
            ProblemStage.REPORTED,
            problem.reported_at,
            [
                (_("What happened"), problem.description),
                (_("Reported by"), str(problem.reported_by or "—")),
            ],
        ),
        (
            ProblemStage.RESPONDED,
            problem.responded_at,
            [(_("What was said"), problem.response_note)],
        ),
        (
            ProblemStage.SOLUTION_OFFERED,
            problem.solution_offered_at,
            [
                (_("What was offered"), problem.solution_note),
                (_("Handling plan"), problem.handling_plan),
            ],
        ),
        (
            ProblemStage.REMEDIED,
            problem.remedied_at,
            [
                (_("Remedy"), problem.get_remedy_kind_display()),
                (_("What was done"), problem.remedy_note),
            ],
        ),
        (
            ProblemStage.CLOSED,
            problem.closed_at,
            [
                (_("Liability"), problem.get_liability_display()),
                (_("Compensation (¥)"), str(problem.compensation)),
            ],
        ),
    ]
    return [
        TimelineEntry(stage, ProblemStage(stage).label, at, [n for n in notes if n[1]])
        for stage, at, notes in steps
        if at is not None
    ]


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of ``month`` and of the next, in local time."""
    zone = timezone.get_current_timezone()
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (
        datetime.combine(month.replace(day=1), time.min, tzinfo=zone),
        datetime.combine(following, time.min, tzinfo=zone),
    )


def liability_summary(user: Staff, *, month: date) -> list[dict]:
    """Closed problems of ``month`` per outlet: count and compensation, in total
    and per liable party. One grouped query; the month is by closing date,
    when liability and compensation are settled."""
    start, end = month_bounds(month)
    money: DecimalField[Decimal, Decimal] = DecimalField(
        max_digits=14, decimal_places=2
    )
    rows = (
        visible(user, Problem.objects.all())
        .filter(stage=ProblemStage.CLOSED, closed_at__gte=start, closed_at__lt=end)
        .values("outlet_id", "outlet__code", "outlet__name", "liability")
        .annotate(
            problems=Count("pk"),
            compensation=Coalesce(Sum("compensation"), Value(0), output_field=money),
        )
        .order_by("outlet__code", "liability")
    )
    return _by_outlet(rows)


def _by_outlet(rows) -> list[dict]:
    outlets: dict[int, dict] = {}
    for row in rows:
        outlet = outlets.setdefault(
            row["outlet_id"],
            {
                "outlet": row["outlet_id"],
                "outlet_code": row["outlet__code"],
                "outlet_name": row["outlet__name"],
                "problems": 0,
                "compensation": 0,
                "by_liability": [],
            },
        )
        outlet["problems"] += row["problems"]
        outlet["compensation"] += row["compensation"]
        outlet["by_liability"].append(
            {
                "liability": row["liability"],
                "label": Liability(row["liability"]).label,
                "problems": row["problems"],
                "compensation": row["compensation"],
            }
        )
    return list(outlets.values())


def attach_shipment_clocks(shipments: Iterable[Shipment]) -> None:
    """Give each shipment ``clocks``: its pickup's, its milestones', its problems'
    and its excursions', loaded for all shipments in one query (the relations
    must be prefetched)."""
    shipments = list(shipments)
    owner: dict[tuple[str, int], int] = {}
    for shipment in shipments:
        if shipment.pickup_id:
            owner[(SubjectType.PICKUP, shipment.pickup_id)] = shipment.pk
        for relation, subject in (
            (shipment.milestones, SubjectType.MILESTONE),
            (shipment.problems, SubjectType.PROBLEM),
            (shipment.excursions, SubjectType.EXCURSION),
        ):
            for row in relation.all():
                owner[(subject, row.pk)] = shipment.pk
    found = defaultdict(list)
    if owner:
        for clock in _clocks_of_subjects(owner).select_related("customer"):
            found[owner[(clock.subject_type, clock.subject_id)]].append(clock)
    for shipment in shipments:
        shipment.clocks = sorted(found[shipment.pk], key=lambda c: c.started_at)  # type: ignore[attr-defined]  # set for display


def _clocks_of_subjects(owner: dict) -> QuerySet[Clock]:
    """The clocks of subjects of several types, in one query."""
    keys = defaultdict(list)
    for subject_type, subject_id in owner:
        keys[subject_type].append(subject_id)
    return reduce(or_, (clocks_of(kind, ids) for kind, ids in keys.items()))
