"""Forms of the problem pages: parse and check input; services decide the rest."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from lib.bounded_inputs import validate_plausible_day, validate_plausible_instant
from outlets.models import Staff

from ..models import (
    MAX_YUAN,
    PLAN_LENGTH,
    TEXT_LENGTH,
    Liability,
    ProblemKind,
    RemedyKind,
    Shipment,
)
from .selectors import reportable_shipments

BIG = {"class": "form-control form-control-lg"}
BIG_SELECT = {"class": "form-select form-select-lg"}


class WaybillField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Waybill number"),
            max_length=30,
            widget=forms.TextInput(
                attrs={**BIG, "autocomplete": "off", "inputmode": "text"}
            ),
            **kwargs,
        )


class _ShipmentByWaybill(forms.Form):
    """Finds the shipment among those the user may report on."""

    def __init__(self, *args, user: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_waybill(self) -> Shipment:
        waybill = self.cleaned_data["waybill"].strip()
        shipment = reportable_shipments(self.user).filter(waybill=waybill).first()
        if shipment is None:
            raise forms.ValidationError(_("No shipment with this waybill here."))
        return shipment


class ProblemReportForm(_ShipmentByWaybill):
    waybill = WaybillField()
    kind = forms.ChoiceField(
        label=_("What is wrong"),
        choices=[c for c in ProblemKind.choices if c[0] != ProblemKind.DELAY],
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={**BIG, "rows": 3}),
    )


class DelayForm(_ShipmentByWaybill):
    waybill = WaybillField()
    reason = forms.CharField(
        label=_("Why it is late"),
        max_length=500,
        widget=forms.TextInput(attrs=BIG),
        help_text=_("For example: a 3-hour motorway jam, a storm, a detour."),
    )
    new_expected_at = forms.DateTimeField(
        label=_("New expected arrival"),
        validators=[validate_plausible_instant],
        widget=forms.DateTimeInput(
            attrs={**BIG, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    plan = forms.CharField(
        label=_("Handling plan"),
        max_length=PLAN_LENGTH,
        widget=forms.Textarea(attrs={**BIG, "rows": 2}),
        help_text=_("The customer is told this at once."),
    )


class RespondForm(forms.Form):
    note = forms.CharField(
        label=_("What was said to the customer"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )


class SolutionForm(forms.Form):
    note = forms.CharField(
        label=_("What was offered"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    handling_plan = forms.CharField(
        label=_("Handling plan shown to the customer"),
        required=False,
        max_length=PLAN_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )


class RemedyForm(forms.Form):
    remedy_kind = forms.ChoiceField(
        label=_("Remedy"),
        choices=RemedyKind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=_("What was done"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )


class CloseForm(forms.Form):
    liability = forms.ChoiceField(
        label=_("Liability"),
        choices=Liability.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    compensation = forms.DecimalField(
        label=_("Compensation (¥)"),
        min_value=Decimal("0"),
        max_value=MAX_YUAN,
        max_digits=10,
        decimal_places=2,
        initial=Decimal("0"),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        required=False,
        validators=[validate_plausible_day],
        widget=forms.DateInput(
            attrs={"class": "form-control", "type": "month"}, format="%Y-%m"
        ),
    )
