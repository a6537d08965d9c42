"""Reads of cold-chain excursions shared by pages and the API, through access."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet

from clocks.models import ClockKind, SubjectType
from clocks.selectors import clocks_of
from outlets.access import visible
from outlets.models import Staff

from ..models import ColdChainReading, Excursion, ExcursionState
from .excursions import NewReading, is_outside

# Still someone's job: out of range now, or back in range with the alarm unanswered.
OPEN = Q(state__in=[ExcursionState.SUSPECTED, ExcursionState.ALARMED]) | Q(
    state=ExcursionState.CLOSED, alarmed_at__isnull=False, handled_at__isnull=True
)
RECENT = timedelta(hours=1)
LEAD_IN = timedelta(minutes=30)
# The board is read every 15 seconds; past this many cases nobody reads them.
BOARD_ROWS = 200


def excursions_for(user: Staff) -> QuerySet[Excursion]:
    return visible(user, Excursion.objects.all()).select_related(
        "shipment__customer", "shipment__outlet", "handled_by", "problem"
    )


def open_excursions(user: Staff) -> QuerySet[Excursion]:
    """Open cases, alarmed ones first (oldest alarm first), then suspected."""
    return (
        excursions_for(user)
        .filter(OPEN)
        .order_by(F("alarmed_at").asc(nulls_last=True), "started_at", "pk")
    )


def attach_alarm_clocks(excursions: Iterable[Excursion]) -> None:
    """Give each excursion ``clock``: its alarm clock or None, in one query."""
    excursions = list(excursions)
    clocks = (
        clocks_of(SubjectType.EXCURSION, [e.pk for e in excursions])
        .filter(kind=ClockKind.COLD_CHAIN_ALARM)
        .select_related("customer", "responsible")
    )
    found = {clock.subject_id: clock for clock in clocks}
    for excursion in excursions:
        excursion.clock = found.get(excursion.pk)  # type: ignore[attr-defined]  # set for display


def attach_recent_readings(excursions: Iterable[Excursion], *, now: datetime) -> None:
    """Give each excursion ``recent_readings``: its shipment's last hour, newest
    first, each marked ``outside`` its range; one query for all of them."""
    excursions = list(excursions)
    rows = ColdChainReading.objects.filter(
        shipment_id__in={e.shipment_id for e in excursions},
        taken_at__gt=now - RECENT,
        taken_at__lte=now,
    ).order_by("-taken_at")
    by_shipment = defaultdict(list)
    for reading in rows:
        by_shipment[reading.shipment_id].append(reading)
    for excursion in excursions:
        excursion.recent_readings = _marked(  # type: ignore[attr-defined]  # set for display
            excursion, by_shipment[excursion.shipment_id]
        )


def excursion_readings(excursion: Excursion, *, now: datetime) -> list:
    """The shipment's readings from half an hour before the excursion to its end."""
    rows = ColdChainReading.objects.filter(
        shipment_id=excursion.shipment_id,
        taken_at__gte=excursion.started_at - LEAD_IN,
        taken_at__lte=excursion.ended_at or now,
    ).order_by("taken_at")
    return _marked(excursion, rows)


def _marked(excursion: Excursion, readings: Iterable[ColdChainReading]) -> list:
    shipment = excursion.shipment
    readings = list(readings)
    for r in readings:
        r.outside = is_outside(  # type: ignore[attr-defined]  # set for display
            NewReading(shipment, r.taken_at, r.temperature_c, r.humidity_pct)
        )
    return readings


def excursion_board(user: Staff, *, now: datetime) -> list[Excursion]:
    excursions = list(open_excursions(user)[:BOARD_ROWS])
    attach_alarm_clocks(excursions)
    attach_recent_readings(excursions, now=now)
    return excursions


def excursion_detail(user: Staff, pk: int) -> Excursion | None:
    excursion = excursions_for(user).filter(pk=pk).first()
    if excursion is not None:
        attach_alarm_clocks([excursion])
    return excursion


# --- Pages --------------------------------------------------------------------
