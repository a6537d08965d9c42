"""One filter set for the customer list page and the customer API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Channel, Customer, Need, Tenure, Tier
from .tenure import start_bounds


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=100)
    tier = django_filters.MultipleChoiceFilter(choices=Tier.choices, label=_("Tier"))
    need = django_filters.ChoiceFilter(
        choices=Need.choices, field_name="needs__need", label=_("Need")
    )
    tenure = django_filters.ChoiceFilter(
        choices=Tenure.choices, method="by_tenure", label=_("Tenure")
    )
    preferred_channel = django_filters.ChoiceFilter(
        choices=Channel.choices, label=_("Preferred channel")
    )
    outlet = django_filters.NumberFilter(field_name="outlet", label=_("Outlet"))
    account_manager = django_filters.NumberFilter(
        field_name="account_manager", label=_("Account manager")
    )

    class Meta:
        model = Customer
        fields = [
            "q",
            "tier",
            "need",
            "tenure",
            "preferred_channel",
            "outlet",
            "account_manager",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(company__icontains=value)
            | Q(contact_person__icontains=value)
            | Q(phone__icontains=value)
        )

    def by_tenure(self, queryset, name, value):
        return queryset.filter(**start_bounds(value, timezone.localdate()))
