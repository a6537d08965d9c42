"""Reads of clocks, messages and policies shared by pages and the API.

Every read starts from ``outlets.access.visible``, so a page and an endpoint
show the same rows to the same person.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, NullIf, TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from outlets.access import visible
from outlets.models import Staff, person_name

from .models import Clock, ClockKind, ClockPolicy, ClockState, Message, MessageStatus
from .policies import mark_general_applies

# A board is read every 15 seconds; past this many rows nobody reads them anyway.
BOARD_ROWS = 200
DEAD_ROWS = 50
MET_RECENTLY = timedelta(hours=1)

WAITING = [ClockState.RUNNING, ClockState.PAUSED]


def clocks_for(user: Staff) -> QuerySet[Clock]:
    return visible(user, Clock.objects.all()).select_related(
        "outlet", "customer", "responsible"
    )


def clocks_of(subject_type: str, ids: Iterable[int]) -> QuerySet[Clock]:
    """The clocks of these subjects, to attach to rows the user already sees.

    Not filtered by ``visible``: a subject's clocks are seen with the subject.
    """
    return Clock.objects.filter(subject_type=subject_type, subject_id__in=list(ids))


def seconds_left(clock: Clock, now: datetime) -> int | None:
    """Time left on the clock: frozen while paused, negative once overdue.

    None once the promise was kept or dropped.
    """
    if clock.met_at is not None or clock.state in (
        ClockState.MET,
        ClockState.CANCELLED,
    ):
        return None
    until = clock.paused_at if clock.state == ClockState.PAUSED else now
    return int((clock.due_at - (until or now)).total_seconds())


# --- The manager's board -------------------------------------------------


@dataclass
class Board:
    waiting: list[Clock]
    breached: list[Clock]
    met: list[Clock]
    dead: list[Message]
    counts: dict[str, int] = field(default_factory=dict)


def clock_board(user: Staff, *, now: datetime, outlet_id: int | None = None) -> Board:
    """The clocks a manager watches, most urgent first, and the failed messages.

    1. Waiting: running clocks by deadline (those past their warning flagged),
       then paused ones.
    2. Breached: still-open breaches of any day first (they keep escalating),
       then today's breaches that were met late.
    3. Met in the last hour, newest first, so a manager sees a clock go green.
    4. Dead messages: delivery gave up; someone has to call instead.
    """
    clocks = clocks_for(user)
    dead = visible(user, Message.objects.filter(status=MessageStatus.DEAD))
    if outlet_id is not None:
        clocks, dead = clocks.filter(outlet=outlet_id), dead.filter(outlet=outlet_id)
    today = _midnight(timezone.localdate(now))
    return Board(
        waiting=list(_waiting(clocks, now)[:BOARD_ROWS]),
        breached=list(_breached(clocks, today)[:BOARD_ROWS]),
        met=list(
            clocks.filter(
                state=ClockState.MET, met_at__gte=now - MET_RECENTLY
            ).order_by("-met_at", "-pk")[:BOARD_ROWS]
        ),
        dead=list(
            dead.select_related("customer", "staff").order_by("-created_at", "-pk")[
                :DEAD_ROWS
            ]
        ),
        counts={**_board_counts(clocks, now, today), "dead": dead.count()},
    )


def _warning(now: datetime) -> Q:
    return Q(state=ClockState.RUNNING) & (
        Q(warned_at__isnull=False) | Q(warn_at__lte=now)
    )


def _waiting(clocks: QuerySet[Clock], now: datetime) -> QuerySet[Clock]:
    return (
        clocks.filter(state__in=WAITING)
        .annotate(
            warning=Case(When(_warning(now), then=Value(True)), default=Value(False))
        )
        .order_by(
            Case(When(state=ClockState.RUNNING, then=0), default=1), "due_at", "pk"
        )
    )


def _breached(clocks: QuerySet[Clock], today: datetime) -> QuerySet[Clock]:
    return clocks.filter(
        Q(met_at__isnull=True) | Q(breached_at__gte=today),
        state=ClockState.BREACHED,
    ).order_by(F("met_at").desc(nulls_first=True), "breached_at", "pk")


def _board_counts(clocks: QuerySet[Clock], now: datetime, today: datetime) -> dict:
    breached = Q(state=ClockState.BREACHED)
    hour_ago = now - MET_RECENTLY
    # Only rows the board can show, so the count does not scan the outlet's history.
    relevant = clocks.filter(
        Q(state__in=WAITING)
        | (breached & Q(met_at__isnull=True))
        | Q(breached_at__gte=today)
        | Q(met_at__gte=hour_ago)
    )
    return relevant.aggregate(
        running=Count("pk", filter=Q(state=ClockState.RUNNING)),
        warning=Count("pk", filter=_warning(now)),
        paused=Count("pk", filter=Q(state=ClockState.PAUSED)),
        breached_open=Count("pk", filter=breached & Q(met_at__isnull=True)),
        breached_today=Count("pk", filter=breached & Q(breached_at__gte=today)),
        met_recently=Count("pk", filter=Q(state=ClockState.MET, met_at__gte=hour_ago)),
    )


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- The breach report ---------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    label: str
    total: int
    met_on_time: int
    breached: int
    still_open: int
    compliance: float | None


@dataclass(frozen=True)
class BreachReport:
    by_kind: list[ReportRow]
    by_responsible: list[ReportRow]
    by_day: list[ReportRow]


def breach_report(
    user: Staff, *, start: date, end: date, outlet_id: int | None = None
) -> BreachReport:
    """Compliance of the clocks started from ``start`` to ``end`` (local days).

    A clock is met on time if it was met by its deadline and never breached; it
    counts as breached if it breached or was met late (before the sweep saw
    it); still open if it is running or paused. Compliance is met on time over
    met on time plus breached. Cancelled clocks promised nothing and are left
    out. Each table is one grouped query.
    """
    clocks = visible(user, Clock.objects.exclude(state=ClockState.CANCELLED)).filter(
        started_at__gte=_midnight(start),
        started_at__lt=_midnight(end + timedelta(days=1)),
    )
    if outlet_id is not None:
        clocks = clocks.filter(outlet=outlet_id)
    return BreachReport(
        by_kind=[
            _row(ClockKind(r["kind"]).label, r)
            for r in _compliance(clocks.values("kind").order_by("kind"))
        ],
        by_responsible=[
            _row(_person(r), r)
            for r in _compliance(
                clocks.values(
                    "responsible",
                    "responsible__username",
                    "responsible__first_name",
                    "responsible__last_name",
                ).order_by("responsible__first_name", "responsible__username")
            )
        ],
        by_day=[
            _row(r["day"].isoformat(), r)
            for r in _compliance(
                clocks.annotate(day=TruncDate("started_at"))
                .values("day")
                .order_by("day")
            )
        ],
    )


def _compliance(grouped: QuerySet) -> QuerySet:
    on_time = Q(met_at__isnull=False, breached_at__isnull=True, met_at__lte=F("due_at"))
    late = Q(breached_at__isnull=False) | Q(met_at__gt=F("due_at"))
    return grouped.annotate(
        total=Count("pk"),
        met_on_time=Count("pk", filter=on_time),
        breached=Count("pk", filter=late),
        still_open=Count("pk", filter=Q(state__in=WAITING)),
    ).annotate(
        compliance=Cast(F("met_on_time"), FloatField())
        * Value(100.0)
        / NullIf(F("met_on_time") + F("breached"), Value(0)),
    )


def _row(label: str | Promise, values: dict) -> ReportRow:
    return ReportRow(
        label=str(label),
        total=values["total"],
        met_on_time=values["met_on_time"],
        breached=values["breached"],
        still_open=values["still_open"],
        compliance=values["compliance"],
    )


def _person(values: dict) -> str:
    if values["responsible"] is None:
        return str(_("Nobody assigned"))
    name = person_name(
        values["responsible__first_name"], values["responsible__last_name"]
    )
    return name or values["responsible__username"]


# --- Policies ------------------------------------------------------------


def policies_for(user: Staff, *, outlet_id: int | None = None) -> QuerySet[ClockPolicy]:
    """Network defaults and the outlet rows the user may see (one outlet if given)."""
    own = visible(user, ClockPolicy.objects.filter(outlet__isnull=False))
    if outlet_id is not None:
        own = own.filter(outlet=outlet_id)
    return (
        ClockPolicy.objects.filter(Q(outlet__isnull=True) | Q(pk__in=own.values("pk")))
        .select_related("outlet")
        .order_by(
            _in_kind_order(), F("outlet").asc(nulls_first=True), "tier", "need", "pk"
        )
    )


def _in_kind_order() -> Case:
    """The clocks in the order of the handbook, not of their names."""
    return Case(
        *(When(kind=kind, then=Value(i)) for i, kind in enumerate(ClockKind.values))
    )


def effective_policies(user: Staff, *, outlet_id: int | None) -> list[ClockPolicy]:
    """The policies that apply at one outlet; a network row it overrides is marked,
    and so is a tier or need rule that the tighter general rule beats.

    Without an outlet (HQ's view of the network) nothing is marked overridden.
    """
    rows = list(policies_for(user, outlet_id=outlet_id))
    scoped = {(p.kind, p.tier, p.need) for p in rows if p.outlet_id is not None}
    for policy in rows:
        # For the page only (not a field).
        policy.overridden = (  # type: ignore[attr-defined]
            outlet_id is not None
            and policy.outlet_id is None
            and (policy.kind, policy.tier, policy.need) in scoped
        )
    mark_general_applies(rows, outlet_id)
    return rows
