"""Cold-chain excursions: from out-of-range readings to an alarm and a problem.

A reading out of the shipment's range opens a suspected excursion (or extends
the open one). Once out-of-range readings span the minimum duration
(``COLD_CHAIN_MIN_EXCURSION_SECONDS``) it is alarmed: the 5-minute alarm clock
starts and the responsible staff are alerted. A later reading back in range
closes it; an alarmed excursion's clock still runs until someone handles it.
One noisy reading followed by a good one never alarms.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clocks import outbox
from clocks.models import ClockKind, SubjectType
from clocks.services import clock_for, clock_meet, clocks_start
from clocks.sweep import managers_by_outlet
from clocks.texts import renderer
from customers.services import customer_add_note
from outlets.errors import DomainError, StateConflict
from outlets.models import Staff

from ..models import Excursion, ExcursionState, Problem, ProblemKind, Shipment
from ..problems.services import problem_report

CHANGING = [
    "state",
    "started_at",
    "last_out_at",
    "alarmed_at",
    "ended_at",
    "worst_temperature_c",
]


def min_duration() -> timedelta:
    return timedelta(seconds=getattr(settings, "COLD_CHAIN_MIN_EXCURSION_SECONDS", 120))


@dataclass(frozen=True)
class NewReading:
    shipment: Shipment
    taken_at: datetime
    temperature_c: Decimal
    humidity_pct: Decimal | None


def _below_above(value, low, high) -> Decimal:
    """How far ``value`` lies outside [low, high]; 0 inside or without bounds."""
    if value is None:
        return Decimal(0)
    return max(
        low - value if low is not None else Decimal(0),
        value - high if high is not None else Decimal(0),
        Decimal(0),
    )


def temperature_off(shipment: Shipment, temperature: Decimal) -> Decimal:
    return _below_above(
        temperature, shipment.temperature_min_c, shipment.temperature_max_c
    )


def is_outside(reading: NewReading) -> bool:
    shipment = reading.shipment
    return bool(
        temperature_off(shipment, reading.temperature_c)
        or _below_above(
            reading.humidity_pct, shipment.humidity_min_pct, shipment.humidity_max_pct
        )
    )


@dataclass
class _Changes:
    new: list[Excursion] = field(default_factory=list)
    changed: dict[int, Excursion] = field(default_factory=dict)
    alarmed: list[tuple[Excursion, NewReading]] = field(default_factory=list)

    def touch(self, excursion: Excursion) -> None:
        if excursion.pk:
            self.changed[excursion.pk] = excursion


def excursions_evaluate(readings: list[NewReading], *, now: datetime) -> None:
    """Walk new readings through their shipments' excursions.

    1. Watch the shipments with a new reading out of range or an open
       excursion (one query), lock them so two batches for one shipment take
       turns, and load their open excursions (one query each).
    2. Per shipment, in time order: out of range opens or extends, back in
       range (after the last bad reading) closes.
    3. Write changes in one update and one insert; alarm the excursions that
       crossed the minimum duration.
    """
    by_shipment = defaultdict(list)
    for reading in readings:
        by_shipment[reading.shipment.pk].append(reading)
    outside = {pk for pk, rs in by_shipment.items() if any(map(is_outside, rs))}
    open_ = _open_excursions(by_shipment.keys())
    watched = sorted(outside | open_.keys())
    if not watched:
        return
    list(
        Shipment.objects.select_for_update()
        .filter(pk__in=watched)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    open_ = _open_excursions(watched)
    changes = _Changes()
    for pk in watched:
        _walk(by_shipment[pk], open_.get(pk), changes, now)
    if changes.changed:
        Excursion.objects.bulk_update(changes.changed.values(), CHANGING)
    Excursion.objects.bulk_create(changes.new)
    _alarm(changes.alarmed, now)


def _open_excursions(shipment_ids) -> dict[int, Excursion]:
    rows = Excursion.objects.filter(shipment_id__in=list(shipment_ids)).exclude(
        state=ExcursionState.CLOSED
    )
    return {excursion.shipment_id: excursion for excursion in rows}


def _walk(
    readings: list[NewReading],
    current: Excursion | None,
    changes: _Changes,
    now: datetime,
) -> None:
    span = min_duration()
    for reading in sorted(readings, key=lambda r: r.taken_at):
        if current is not None:
            current.shipment = reading.shipment
        if is_outside(reading):
            current = _extended(current, reading, changes)
            if (
                current.state == ExcursionState.SUSPECTED
                and current.last_out_at - current.started_at >= span
            ):
                current.state, current.alarmed_at = ExcursionState.ALARMED, now
                changes.alarmed.append((current, reading))
        elif current is not None and reading.taken_at > current.last_out_at:
            current.state, current.ended_at = ExcursionState.CLOSED, reading.taken_at
            changes.touch(current)
            current = None


def _extended(
    current: Excursion | None, reading: NewReading, changes: _Changes
) -> Excursion:
    at, temperature = reading.taken_at, reading.temperature_c
    if current is None:
        current = Excursion(
            shipment=reading.shipment,
            started_at=at,
            last_out_at=at,
            worst_temperature_c=temperature,
        )
        changes.new.append(current)
        return current
    current.started_at = min(current.started_at, at)
    current.last_out_at = max(current.last_out_at, at)
    worst = current.worst_temperature_c
    if worst is None or (
        temperature_off(reading.shipment, temperature)
        > temperature_off(reading.shipment, worst)
    ):
        current.worst_temperature_c = temperature
    changes.touch(current)
    return current


def _alarm(alarmed: list[tuple[Excursion, NewReading]], now: datetime) -> None:
    """Start each alarm's 5-minute clock and alert the responsible and managers."""
    if not alarmed:
        return
    managers = managers_by_outlet({e.shipment.outlet_id for e, _r in alarmed})
    owners = {e.pk: _responsible(e, managers) for e, _r in alarmed}
    clocks = clocks_start(
        kind=ClockKind.COLD_CHAIN_ALARM,
        subject_type=SubjectType.EXCURSION,
        subjects=[
            (e.pk, e.shipment.customer, owner.pk if owner is not None else None)
            for e, _r in alarmed
            for owner in [owners[e.pk]]
        ],
        now=now,
    )
    render = renderer("cold_chain_alarm")
    messages = []
    for excursion, reading in alarmed:
        shipment = excursion.shipment
        texts = render(
            {
                "waybill": shipment.waybill,
                "temperature": reading.temperature_c,
                "humidity": "-"
                if reading.humidity_pct is None
                else reading.humidity_pct,
                "when": f"{timezone.localtime(reading.taken_at):%H:%M}",
                "minutes": clocks[excursion.pk].minutes,
            }
        )
        people = {
            s.pk: s
            for s in [owners[excursion.pk], *managers[shipment.outlet_id]]
            if s is not None
        }
        messages += [
            outbox.staff_row(
                staff=staff,
                outlet_id=shipment.outlet_id,
                template="cold_chain_alarm",
                texts=texts,
                key=f"excursion:{excursion.pk}:alarm",
                now=now,
                customer_id=shipment.customer_id,
            )
            for staff in people.values()
        ]
    outbox.write_rows(messages)


def _responsible(excursion: Excursion, managers: dict) -> Staff | None:
    """The customer's account manager, else the outlet's manager."""
    customer = excursion.shipment.customer
    if customer.account_manager_id:
        return customer.account_manager
    return next(iter(managers[excursion.shipment.outlet_id]), None)


def _locked(excursion: Excursion) -> Excursion:
    return (
        Excursion.objects.select_for_update(of=("self",))
        .select_related("shipment__customer")
        .get(pk=excursion.pk)
    )


def _handled(excursion: Excursion, by: Staff, note: str, now: datetime) -> None:
    """Record who handled the alarm and how (the caller saves); its clock is met."""
    excursion.handled_at, excursion.handled_by = now, by
    excursion.handling_note = note
    clock = clock_for(SubjectType.EXCURSION, excursion.pk, ClockKind.COLD_CHAIN_ALARM)
    if clock is not None:
        clock_meet(clock=clock, now=now)


@transaction.atomic
def excursion_handle(
    *, excursion: Excursion, by: Staff, note: str, now: datetime
) -> Excursion:
    """Someone called the customer or dealt with it: the alarm clock is met.

    What was done is kept on the excursion as the evidence, and noted in the
    customer file so the account manager sees it at the next contact.
    """
    if not (note or "").strip():
        raise DomainError(_("Say what was done."), fields={"note": [_("Required.")]})
    excursion = _locked(excursion)
    if excursion.handled_at is not None:
        raise StateConflict(
            _("This excursion has already been handled."),
            fields={"handled_at": [_("Already handled.")]},
        )
    _handled(excursion, by, note.strip(), now)
    excursion.save(update_fields=["handled_at", "handled_by", "handling_note"])
    shipment = excursion.shipment
    customer_add_note(
        customer=shipment.customer,
        author=by,
        noted_on=timezone.localdate(now),
        text=_("Cold-chain excursion on waybill %(waybill)s handled: %(note)s")
        % {"waybill": shipment.waybill, "note": note.strip()},
    )
    return excursion


@transaction.atomic
def excursion_confirm(*, excursion: Excursion, by: Staff, now: datetime) -> Problem:
    """The goods are judged harmed: open a damage problem (the 1530 clocks).

    Confirming is also handling the alarm, if nobody handled it yet.
    """
    excursion = _locked(excursion)
    if excursion.problem_id is not None:
        raise StateConflict(
            _("This excursion already has a problem case."),
            fields={"problem": [str(excursion.problem_id)]},
        )
    shipment = excursion.shipment
    problem = problem_report(
        customer=shipment.customer,
        kind=ProblemKind.DAMAGE,
        description=describe(excursion),
        reported_by=by,
        now=now,
        shipment=shipment,
    )
    excursion.problem = problem
    if excursion.handled_at is None:
        note = _("Damage confirmed: problem #%(id)s opened.") % {"id": problem.pk}
        _handled(excursion, by, note, now)
    excursion.save(
        update_fields=["problem", "handled_at", "handled_by", "handling_note"]
    )
    return problem


def describe(excursion: Excursion) -> str:
    shipment = excursion.shipment
    until = (
        f"{timezone.localtime(excursion.ended_at):%m-%d %H:%M}"
        if excursion.ended_at
        else _("still out of range")
    )
    return _(
        "Cold-chain excursion on waybill %(waybill)s: out of range from %(start)s "
        "to %(until)s; worst reading %(worst)s °C (allowed %(low)s to %(high)s °C)."
    ) % {
        "waybill": shipment.waybill,
        "start": f"{timezone.localtime(excursion.started_at):%m-%d %H:%M}",
        "until": until,
        "worst": excursion.worst_temperature_c,
        "low": "-"
        if shipment.temperature_min_c is None
        else shipment.temperature_min_c,
        "high": "-"
        if shipment.temperature_max_c is None
        else shipment.temperature_max_c,
    }
