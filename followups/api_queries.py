"""Query parameters the care API's lists share: months as ``YYYY-MM``.

Checked by a serializer, so a bad value answers 400 in the one error shape
with a translated reason, and the OpenAPI schema lists each parameter.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from lib.months import add_months_to, parse_month

MONTH_MESSAGE = _("Give a month as YYYY-MM, 2000 to 2099.")
# Enough for three years side by side; more is an export, not a list.
LONGEST_SPAN = 36


class MonthField(serializers.CharField):
    """``YYYY-MM`` in, the first day of that month out."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", _("A calendar month, YYYY-MM."))
        super().__init__(**kwargs)

    # A CharField that answers a date: its checks on the text, then the month.
    def to_internal_value(self, data) -> date:  # type: ignore[override]
        month = parse_month(str(super().to_internal_value(data)))
        if month is None:
            raise serializers.ValidationError(MONTH_MESSAGE)
        return month


def this_month() -> date:
    return timezone.localdate().replace(day=1)


class MonthRangeQuery(serializers.Serializer):
    """``first`` and ``last`` months, both included; the last twelve by default."""

    first = MonthField(required=False, help_text=_("First month, YYYY-MM."))
    last = MonthField(
        required=False, help_text=_("Last month, YYYY-MM; this month by default.")
    )

    def validate(self, data: dict) -> dict:
        last = data.get("last") or this_month()
        first = data.get("first") or add_months_to(last, -11)
        if last > this_month():
            message = _("That month has not begun yet: choose this month or earlier.")
            raise serializers.ValidationError({"last": [message]})
        if first > last:
            message = _("The first month comes after the last one.")
            raise serializers.ValidationError({"first": [message]})
        if add_months_to(first, LONGEST_SPAN - 1) < last:
            too_long = _("Ask for at most %(months)s months at once.") % {
                "months": LONGEST_SPAN
            }
            raise serializers.ValidationError({"first": [too_long]})
        return {**data, "first": first, "last": last}


def query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
