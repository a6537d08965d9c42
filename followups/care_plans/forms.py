from django import forms
from django.utils.translation import gettext_lazy as _

from outlets.access import visible
from outlets.errors import DomainError
from outlets.models import Outlet, Staff

from ..models import FollowUpChannel
from .models import PLAN_KINDS, SCOPE_VALUES, CarePlanScope


class Schedule:
    EVERY = "every"
    ONCE = "once"


def _customer_choices() -> list:
    """One select for scope and value, grouped: "Tier" > "Key customer"…"""
    return [
        (scope.label, [(f"{scope.value}:{v}", label) for v, label in values.choices])
        for scope, values in ((CarePlanScope(s), v) for s, v in SCOPE_VALUES.items())
    ]


def _select(choices, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices, widget=forms.Select(attrs={"class": "form-select"}), **kwargs
    )


class CarePlanRuleForm(forms.Form):
    """An outlet's rule (or, for HQ, a network default) for one scope and kind.

    The days are checked by the service, so the page and the API refuse the same
    input with the same words.
    """

    customers = _select(_customer_choices, label=_("Customers"))
    kind = _select([(k.value, k.label) for k in PLAN_KINDS], label=_("Follow-up"))
    channel = _select(FollowUpChannel.choices, label=_("Channel"))
    schedule = _select(
        [
            (Schedule.EVERY, _("Every … days")),
            (Schedule.ONCE, _("Once, … days after the cooperation start")),
        ],
        label=_("When"),
    )
    days = forms.IntegerField(
        label=_("Days"),
        widget=forms.NumberInput(attrs={"class": "form-control"}),
        help_text=_("1 to 365."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, user: Staff, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Managers choose their own outlet only; HQ may leave it empty to change
        # the network default.
        self.fields["outlet"] = forms.ModelChoiceField(
            queryset=visible(user, Outlet.objects.all()),
            required=not user.is_hq,
            label=_("Outlet"),
            empty_label=_("Network default") if user.is_hq else None,
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.order_fields(["outlet"])

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        scope, value = data["customers"].split(":", 1)
        every = data["schedule"] == Schedule.EVERY
        return {
            "outlet": data["outlet"],
            "scope": scope,
            "value": value,
            "kind": data["kind"],
            "channel": data["channel"],
            "cadence_days": data["days"] if every else None,
            "offset_days": None if every else data["days"],
            "active": data["active"],
        }

    def add_domain_error(self, error: DomainError) -> None:
        """Show the service's reasons beside the fields they name."""
        fields = {"cadence_days": "days", "offset_days": "days", "scope": "customers"}
        fields["value"] = "customers"
        if not error.fields:
            self.add_error(None, str(error.message))
        for name, reasons in error.fields.items():
            name = fields.get(name, name)
            self.add_error(name if name in self.fields else None, reasons)


class OutletChoiceForm(forms.Form):
    """HQ picks the outlet the plan page shows (GET ?outlet=)."""

    def __init__(self, user: Staff, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outlet"] = forms.ModelChoiceField(
            queryset=visible(user, Outlet.objects.all()),
            required=False,
            label=_("Outlet"),
            empty_label=_("Network defaults"),
            widget=forms.Select(attrs={"class": "form-select"}),
        )

    def outlet_id(self) -> int | None:
        if not self.is_bound or not self.is_valid():
            return None
        outlet = self.cleaned_data["outlet"]
        return outlet.pk if outlet else None
