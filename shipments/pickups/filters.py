"""One filter set for the pickup API (and any pickup list page)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from ..models import PickupRequest, PickupStatus


class PickupFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=PickupStatus.choices, label=_("Status")
    )
    courier = django_filters.NumberFilter(field_name="courier", label=_("Courier"))
    customer = django_filters.NumberFilter(field_name="customer", label=_("Customer"))

    class Meta:
        model = PickupRequest
        fields = ["status", "courier", "customer"]
