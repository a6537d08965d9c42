"""Cold-chain sensor readings, one or a thousand at a time.

Units: ``"C"`` is stored as sent; ``"F"`` (some loggers only speak Fahrenheit)
is converted to Celsius, rounded to 0.1 °C like every stored reading. A
reading without a unit is refused: a bare 40 could be a warm fridge or a
frozen one, and guessing would raise or hide an alarm.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followups.inserts import insert_new
from outlets.errors import DomainError

from ..models import ColdChainReading, Shipment
from .excursions import NewReading, excursions_evaluate
from .milestones import parse_aware, rejected

# Beyond what any cold chain or sensor can read: a sign of a broken sensor or unit.
PLAUSIBLE_C = (Decimal("-90"), Decimal("90"))
TENTH = Decimal("0.1")
UNITS = ("C", "F")


@dataclass(frozen=True)
class Reading:
    waybill: str
    taken_at: datetime
    temperature_c: Decimal
    humidity_pct: Decimal | None


def parse_reading(raw) -> Reading | dict:
    """A reading from plain input in °C, or the errors per field."""
    if not isinstance(raw, dict):
        return {"non_field_errors": [_("Each reading is an object.")]}
    errors = {}
    waybill = raw.get("waybill")
    if not isinstance(waybill, str) or not waybill.strip():
        errors["waybill"] = [_("Required.")]
    taken_at = parse_aware(raw.get("taken_at"))
    if taken_at is None:
        errors["taken_at"] = [_("A date and time with its time zone is required.")]
    unit = raw.get("unit")
    if unit not in UNITS:
        errors["unit"] = [_("Give the unit: C (or F, converted to C).")]
    temperature = _celsius(raw.get("temperature_c"), unit)
    if temperature is None:
        errors["temperature_c"] = [_("Must be a number between -90 and 90 °C.")]
    humidity = _number(raw.get("humidity_pct"))
    if raw.get("humidity_pct") is not None and not (
        humidity is not None and 0 <= humidity <= 100
    ):
        errors["humidity_pct"] = [_("Must be between 0 and 100.")]
    if errors:
        return errors
    return Reading(waybill.strip(), taken_at, temperature, humidity)


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number.quantize(TENTH, ROUND_HALF_UP) if number.is_finite() else None


def _celsius(value, unit: str | None) -> Decimal | None:
    number = _number(value)
    if number is None:
        return None
    if unit == "F":
        number = ((number - 32) * 5 / 9).quantize(TENTH, ROUND_HALF_UP)
    low, high = PLAUSIBLE_C
    return number if low <= number <= high else None


@transaction.atomic
def readings_record_bulk(
    readings: list, *, now: datetime, shipments: QuerySet | None = None
) -> list[dict]:
    """Store many readings, each answered created, duplicate or rejected.

    1. Validate in Python; look up all waybills in one query (within the
       caller's scope ``shipments``).
    2. Insert in one statement that skips instants already stored.
    3. Evaluate excursions for the shipments the new readings concern.
    """
    results: list[dict | None] = [None] * len(readings)
    parsed = {}
    for index, raw in enumerate(readings):
        reading = parse_reading(raw)
        if isinstance(reading, Reading):
            parsed[index] = reading
        else:
            results[index] = rejected(reading)
    scope = Shipment.objects.all() if shipments is None else shipments
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
    return results


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
    reading = parse_reading(raw)
    if not isinstance(reading, Reading):
        raise DomainError(_("This reading cannot be stored."), fields=reading)
    results = [None]
    with transaction.atomic():
        _store([(0, shipment, reading)], results, now or timezone.now())
    stored = ColdChainReading.objects.get(shipment=shipment, taken_at=taken_at)
    return stored, results[0]["status"] == "created"
