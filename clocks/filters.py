"""The filter set of the clocks API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from lib.bounded_inputs import validate_plausible_instant

from .models import Clock, ClockKind, ClockState


class ClockFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(
        choices=ClockState.choices, label=_("State")
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=ClockKind.choices, label=_("Clock")
    )
    outlet = django_filters.NumberFilter(field_name="outlet", label=_("Outlet"))
    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))
    responsible = django_filters.NumberFilter(
        field_name="responsible", label=_("Responsible")
    )
    due_before = django_filters.IsoDateTimeFilter(
        field_name="due_at",
        lookup_expr="lte",
        label=_("Due at or before"),
        validators=[validate_plausible_instant],
    )
    due_after = django_filters.IsoDateTimeFilter(
        field_name="due_at",
        lookup_expr="gte",
        label=_("Due at or after"),
        validators=[validate_plausible_instant],
    )

    class Meta:
        model = Clock
        fields = [
            "state",
            "kind",
            "outlet",
            "customer",
            "responsible",
            "due_before",
            "due_after",
        ]
