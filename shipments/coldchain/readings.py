"""Cold-chain sensor readings, one or a thousand at a time.

Units: ``"C"`` is stored as sent; ``"F"`` (some loggers only speak Fahrenheit)
is converted to Celsius, rounded to 0.1 °C like every stored reading. A
reading without a unit is refused: a bare 40 could be a warm fridge or a
frozen one, and guessing would raise or hide an alarm.

Every value is checked before it is stored (see ``.ingest``): temperatures
from -90 to 90 °C, as the column's validators allow (colder than dry ice or
hotter than any hold is a broken sensor or a wrong unit), humidity from 0 to
100 %, ``taken_at`` within a year before and a day after the batch.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import cast

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.inserts import insert_new
from outlets.errors import DomainError

from ..models import ColdChainReading, Shipment
from ..tracking.ingest import (
    Window,
    checked_instant,
    decimal_or_none,
    rejected,
    store_or_isolate,
    tenths,
    text_errors,
)
from ..tracking.milestones import MAX_LENGTHS
from .excursions import NewReading, excursions_evaluate

# Beyond what any cold chain or sensor can read: a sign of a broken sensor or unit.
PLAUSIBLE_C = (Decimal("-90"), Decimal("90"))
PLAUSIBLE_PCT = (Decimal("0"), Decimal("100"))
UNITS = ("C", "F")


@dataclass(frozen=True)
class Reading:
    waybill: str
    taken_at: datetime
    temperature_c: Decimal
    humidity_pct: Decimal | None


def parse_reading(raw, window: Window) -> Reading | dict:
    """A reading from plain input in °C, or the errors per field."""
    if not isinstance(raw, dict):
        return {"non_field_errors": [_("Each reading is an object.")]}
    errors = {}
    waybill = raw.get("waybill")
    if problems := _waybill_errors(waybill):
        errors["waybill"] = problems
    taken_at, problems = checked_instant(raw.get("taken_at"), window)
    if problems:
        errors["taken_at"] = problems
    unit = raw.get("unit")
    if not isinstance(unit, str) or unit not in UNITS:
        errors["unit"] = [_("Give the unit: C (or F, converted to C).")]
    temperature = _celsius(raw.get("temperature_c"), unit)
    if temperature is None:
        errors["temperature_c"] = [_("Must be a number between -90 and 90 °C.")]
    humidity = raw.get("humidity_pct")
    if humidity is not None and (humidity := _percent(humidity)) is None:
        errors["humidity_pct"] = [_("Must be between 0 and 100.")]
    if errors:
        return errors
    # No errors: each value was given and checked above.
    assert isinstance(waybill, str) and taken_at is not None
    assert temperature is not None
    return Reading(waybill.strip(), taken_at, temperature, humidity)


def _waybill_errors(waybill) -> list | None:
    if waybill is None or (isinstance(waybill, str) and not waybill.strip()):
        return [_("Required.")]
    return text_errors(waybill, MAX_LENGTHS["waybill"])


def _within(number: Decimal | None, bounds: tuple) -> Decimal | None:
    if number is None:
        return None
    number = tenths(number)
    low, high = bounds
    return number if low <= number <= high else None


def _celsius(value, unit) -> Decimal | None:
    number = decimal_or_none(value)
    if number is not None and unit == "F":
        number = (number - 32) * 5 / 9
    return _within(number, PLAUSIBLE_C)


def _percent(value) -> Decimal | None:
    return _within(decimal_or_none(value), PLAUSIBLE_PCT)


def readings_record_bulk(
    readings: list, *, now: datetime, shipments: QuerySet | None = None
) -> list[dict]:
    """Store many readings, each answered created, duplicate or rejected.

    1. Validate in Python (``parse_reading``).
    2. In one transaction (``store_or_isolate``), look up all waybills in one
       query (within the caller's scope ``shipments``).
    3. Insert in one statement that skips instants already stored.
    4. Evaluate excursions for the shipments the new readings concern.
    """
    results: list[dict | None] = [None] * len(readings)
    parsed, window = {}, Window.around(now)
    for index, raw in enumerate(readings):
        reading = parse_reading(raw, window)
        if isinstance(reading, Reading):
            parsed[index] = reading
        else:
            results[index] = rejected(reading)
    if parsed:
        store_or_isolate(partial(_record, scope=shipments, now=now), parsed, results)
    return cast(list[dict], results)  # every index answered by now


def _record(parsed: dict[int, Reading], results: list, *, scope, now: datetime) -> None:
    scope = Shipment.objects.all() if scope is None else scope
    found = {
        s.waybill: s
        for s in scope.filter(waybill__in={r.waybill for r in parsed.values()})
        .select_related("customer__account_manager")
        .order_by()
    }
    items = []
    for index, reading in parsed.items():
        if (shipment := found.get(reading.waybill)) is None:
            results[index] = rejected({"waybill": [_("No shipment has this waybill.")]})
        else:
            items.append((index, shipment, reading))
    _store(items, results, now)


def _store(items: list[tuple], results: list, now: datetime) -> None:
    first_of, rows = {}, []
    for index, shipment, reading in items:
        key = (shipment.pk, reading.taken_at)
        if key in first_of:
            results[index] = {"status": "duplicate"}
            continue
        first_of[key] = (index, shipment)
        rows.append(
            (shipment.pk, reading.taken_at, reading.temperature_c, reading.humidity_pct)
        )
    created = insert_new(
        ColdChainReading,
        ["shipment", "taken_at", "temperature_c", "humidity_pct"],
        rows,
        ["id", "shipment", "taken_at", "temperature_c", "humidity_pct"],
    )
    new = []
    for pk, shipment_id, taken_at, temperature, humidity in created:
        index, shipment = first_of.pop((shipment_id, taken_at))
        results[index] = {"status": "created", "id": pk}
        new.append(NewReading(shipment, taken_at, temperature, humidity))
    for index, _shipment in first_of.values():
        results[index] = {"status": "duplicate"}
    excursions_evaluate(new, now=now)


def reading_record(
    *,
    shipment: Shipment,
    taken_at: datetime,
    temperature_c: Decimal,
    humidity_pct: Decimal | None = None,
    unit: str = "C",
    now: datetime | None = None,
) -> tuple[ColdChainReading, bool]:
    """Store one reading via the bulk path; the same instant twice is stored once."""
    raw = {
        "waybill": shipment.waybill,
        "taken_at": taken_at,
        "unit": unit,
        "temperature_c": temperature_c,
        "humidity_pct": humidity_pct,
    }
    now = now or timezone.now()
    reading = parse_reading(raw, Window.around(now))
    if not isinstance(reading, Reading):
        raise DomainError(_("This reading cannot be stored."), fields=reading)
    results: list[dict | None] = [None]
    with transaction.atomic():
        _store([(0, shipment, reading)], results, now)
    stored = ColdChainReading.objects.get(shipment=shipment, taken_at=taken_at)
    outcome = results[0]
    assert outcome is not None  # _store answers every reading
    return stored, outcome["status"] == "created"
