"""Bulk ingest: the plain values scanners and sensors send, and their batches.

Every item of a batch is checked in Python before it reaches a statement, so
that one bad item is one rejection and never a failed batch:

- a text is a string no longer than its column, without NUL (PostgreSQL
  refuses it) or lone surrogates (not UTF-8);
- an instant is aware, inside ``lib.bounds``' window (years 2000 to 2099,
  offsets up to ±14:00), and near the moment the batch arrives: at most
  ``AHEAD`` after it (a device clock running a little fast) and at most
  ``BEHIND`` before it (a logger read out after a long voyage). Anything
  further is a device clock or a time zone gone wrong, and would start clocks
  and send customers messages about a time that never was;
- a number is a JSON number or a decimal string, finite and inside a
  plausible range, checked before any arithmetic so that 1e308 or "1e40"
  cannot overflow it.

``store_or_isolate`` is the net under those checks: a value they miss costs
its own item, not the batch.
"""

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from lib.bounds import (
    FIRST_INSTANT,
    LAST_INSTANT,
    is_plausible_instant,
    is_plausible_offset,
)

logger = logging.getLogger(__name__)

AHEAD = timedelta(days=1)
BEHIND = timedelta(days=366)
TENTH = Decimal("0.1")
# Decimal notation only: no exponents, digit groups or non-ASCII digits.
_DECIMAL = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,12})?")
# Far past any range checked here, so the arithmetic after it cannot overflow.
_COARSE = Decimal(10_000)
# What a value the checks missed may raise while it is stored.
_UNSTORABLE = (DataError, IntegrityError, ValueError, OverflowError, ArithmeticError)


def rejected(errors: dict) -> dict:
    return {"status": "rejected", "errors": errors}


def are_storable(*texts: str) -> bool:
    """Texts PostgreSQL stores as sent: no NUL, no lone surrogate."""
    joined = "".join(texts)
    return "\x00" not in joined and (joined.isascii() or _is_utf8(joined))


def _is_utf8(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def text_errors(value, limit: int) -> list | None:
    """Why ``value`` cannot be stored in a text column of ``limit``, if it cannot."""
    if not isinstance(value, str):
        return [_("Must be text.")]
    if len(value) > limit:
        return [_("At most %(limit)d characters.") % {"limit": limit}]
    if not are_storable(value):
        return [_("Contains characters that cannot be stored.")]
    return None


def parse_aware(value) -> datetime | None:
    """An aware datetime from an ISO 8601 string (or a datetime), else None."""
    if isinstance(value, str):
        try:
            value = parse_datetime(value)
        except (ValueError, OverflowError):
            return None
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return None
    return value


class Window(NamedTuple):
    """The instants a batch arriving at ``now`` may record, computed once."""

    low: datetime
    high: datetime

    @classmethod
    def around(cls, now: datetime) -> "Window":
        last = LAST_INSTANT - timedelta(microseconds=1)
        return cls(max(now - BEHIND, FIRST_INSTANT), min(now + AHEAD, last))

    def holds(self, instant: datetime) -> bool:
        return self.low <= instant <= self.high and is_plausible_offset(
            instant.utcoffset()
        )


def checked_instant(value, window: Window) -> tuple[datetime | None, list | None]:
    """The instant ``value`` names, or why this batch may not record it."""
    instant = parse_aware(value)
    if instant is None:
        return None, [_("A date and time with its time zone is required.")]
    if not is_plausible_instant(instant):
        return None, [
            _(
                "Not a plausible date and time: years 2000 to 2099, "
                "UTC offsets up to ±14:00."
            )
        ]
    if not window.holds(instant):
        return None, [_("Must be at most a year before and a day after it is sent.")]
    return instant, None


def decimal_or_none(value) -> Decimal | None:
    """A finite number from JSON (or a decimal string), coarsely bounded."""
    if type(value) is int or type(value) is Decimal:
        number = Decimal(value)
    elif type(value) is float:
        number = Decimal(repr(value))
    elif type(value) is str and _DECIMAL.fullmatch(value):
        number = Decimal(value)
    else:
        return None
    if not number.is_finite() or abs(number) > _COARSE:
        return None
    return number


def tenths(number: Decimal) -> Decimal:
    return number.quantize(TENTH, ROUND_HALF_UP)


def store_or_isolate(
    store: Callable[[dict, list], None], items: dict, results: list
) -> None:
    """``store(items, results)`` in one transaction; if a value breaks it, each alone.

    The fast path is one transaction (a savepoint inside a caller's). A value
    the checks above let through can fail the statement for everyone; then
    each item is stored in its own transaction, and the one that fails is
    rejected alone, logged so the check it slipped past gets fixed.
    """
    try:
        with transaction.atomic():
            store(items, results)
        return
    except _UNSTORABLE:
        logger.exception("A batch failed to store; storing its items one by one")
    for index, item in items.items():
        try:
            with transaction.atomic():
                store({index: item}, results)
        except _UNSTORABLE:
            logger.exception("Item %d of a batch cannot be stored", index)
            results[index] = rejected(
                {"non_field_errors": [_("This item cannot be stored.")]}
            )
