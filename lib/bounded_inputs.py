"""Validators and API fields that keep entered dates and instants plausible.

The window is ``lib.bounds``'. The same validator guards the model field, the
page's form field and the API's serializer field, so each surface refuses the
same values with the same translated reason.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .bounds import (
    FIRST_DAY,
    LAST_DAY,
    is_plausible_day,
    is_plausible_instant,
    is_plausible_offset,
)

DAY_MESSAGE = _("Give a date between %(first)s and %(last)s.")
OFFSET_MESSAGE = _("Give a time-zone offset between UTC-14:00 and UTC+14:00.")
WINDOW = {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}


def validate_plausible_day(value: date) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not is_plausible_day(day):
        raise ValidationError(DAY_MESSAGE, code="implausible_date", params=WINDOW)


def validate_plausible_instant(value: datetime) -> None:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not is_plausible_offset(value.utcoffset()):
        raise ValidationError(OFFSET_MESSAGE, code="implausible_offset")
    if not is_plausible_instant(value):
        raise ValidationError(DAY_MESSAGE, code="implausible_date", params=WINDOW)


class PlausibleDateField(serializers.DateField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_plausible_day)


class PlausibleDateTimeField(serializers.DateTimeField):
    """Checks the offset as sent: DRF converts to local time before validators."""

    default_error_messages = {"offset": OFFSET_MESSAGE}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_plausible_instant)

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_aware(value) and not is_plausible_offset(value.utcoffset()):
            self.fail("offset")
        return super().enforce_timezone(value)
