from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from customers.models import Need, Tier
from lib.bounded_inputs import validate_plausible_day
from outlets.access import visible
from outlets.models import Outlet, Staff

from .models import ClockKind, Counting
from .policies import MAX_MINUTES

REPORT_DAYS = 7
MAX_REPORT_DAYS = 366


def _outlet_field(
    user: Staff, *, required: bool, empty_label: StrOrPromise | None
) -> forms.Field:
    return forms.ModelChoiceField(
        queryset=visible(user, Outlet.objects.all()),
        required=required,
        label=_("Outlet"),
        empty_label=empty_label,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class OutletChoiceForm(forms.Form):
    """HQ picks the outlet a page shows (GET ?outlet=); others see their own."""

    def __init__(self, user: Staff, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outlet"] = _outlet_field(
            user, required=False, empty_label=_("All outlets")
        )

    def outlet_id(self) -> int | None:
        if not self.is_bound or not self.is_valid():
            return None
        outlet = self.cleaned_data["outlet"]
        return outlet.pk if outlet else None


class ReportForm(forms.Form):
    """The days the breach report covers, both ends included (GET from/to)."""

    def __init__(self, user: Staff, data, *args, **kwargs) -> None:
        today = timezone.localdate()
        defaults = {
            "from": (today - timedelta(days=REPORT_DAYS - 1)).isoformat(),
            "to": today.isoformat(),
        }
        data = {**defaults, **{k: v for k, v in data.items() if v != ""}}
        super().__init__(data, *args, **kwargs)
        # "from" is a Python keyword, so the fields are added here, not declared.
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                validators=[validate_plausible_day],
                widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
            )
        if user.is_hq:  # everyone else reports on their own outlet
            self.fields["outlet"] = _outlet_field(
                user, required=False, empty_label=_("All outlets")
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end must not be before the start."))
        elif start and end and (end - start).days >= MAX_REPORT_DAYS:
            self.add_error(
                "to",
                _("Report at most %(days)s days at a time.")
                % {"days": MAX_REPORT_DAYS},
            )
        return data

    @property
    def start(self) -> date:
        return self.cleaned_data["from"]

    @property
    def end(self) -> date:
        return self.cleaned_data["to"]

    def outlet_id(self) -> int | None:
        outlet = self.cleaned_data.get("outlet")
        return outlet.pk if outlet else None


def _select(choices, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices, widget=forms.Select(attrs={"class": "form-select"}), **kwargs
    )


def _minutes(label, **kwargs) -> forms.IntegerField:
    # Bounds and defaults are the service's (policy_save), so the page and the
    # API refuse and fill in the same way; max only helps the number input.
    return forms.IntegerField(
        label=label,
        widget=forms.NumberInput(
            attrs={"class": "form-control", "min": 0, "max": MAX_MINUTES}
        ),
        **kwargs,
    )


class PolicyForm(forms.Form):
    """An outlet override (or, for HQ, a network default) of one clock's limit.

    Warning, counting and escalation may be left empty: the service keeps the
    rule's current ones, or gives a new rule the clock's usual ones.
    """

    kind = _select(ClockKind.choices, label=_("Clock"))
    tier = _select(
        [("", _("Any tier")), *Tier.choices], label=_("Tier"), required=False
    )
    need = _select(
        [("", _("Any need")), *Need.choices], label=_("Need"), required=False
    )
    minutes = _minutes(
        _("Minutes allowed"), help_text=_("From 1 minute to 30 days (43,200).")
    )
    warn_before_minutes = _minutes(
        _("Warn this many minutes before"),
        required=False,
        help_text=_("Empty: unchanged, or the clock's usual lead for a new rule."),
    )
    counting = _select(
        [("", _("Unchanged, or the clock's usual")), *Counting.choices],
        label=_("Counting"),
        required=False,
        help_text=_(
            "The usual: business hours for pickup contact and entry, around the "
            "clock for the others."
        ),
    )
    escalate_after_minutes = _minutes(
        _("Escalate again after (minutes)"),
        required=False,
        help_text=_("Empty: unchanged, or 30 minutes for a new rule."),
    )
    label = forms.CharField(
        label=_("Label shown to staff"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("For example “priority pickup” for key customers."),
    )

    def __init__(self, user: Staff, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Managers choose among their own outlet only, so another outlet is an
        # invalid choice; HQ may leave it empty to change the network default.
        self.fields["outlet"] = _outlet_field(
            user,
            required=not user.is_hq,
            empty_label=_("Network default") if user.is_hq else None,
        )
        self.order_fields(["outlet"])
