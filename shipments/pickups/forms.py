"""The courier's action forms: one per pickup status. Forms parse; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from outlets.access import Capability
from outlets.errors import DomainError, show_on_form

from ..models import (
    MAX_PIECES,
    MAX_WEIGHT_KG,
    MIN_WEIGHT_KG,
    ContactMethod,
    InsuranceAnswer,
    PickupRequest,
    PickupStatus,
)

# One thumb, outdoors: inputs as tall as the buttons.
LARGE = {"class": "form-control form-control-lg"}

INSURANCE_ANSWERS = [
    (InsuranceAnswer.ACCEPTED, _("Customer accepted insured value")),
    (InsuranceAnswer.DECLINED, _("Customer declined insured value")),
]


class PickupActionForm(forms.Form):
    """A step on one pickup; ``pickup`` shapes the fields the step asks for.

    ``step`` names the step, its URL (``shipments:pickup-<step>``) and the
    markup the page shows for it; ``capability`` who may take it.
    """

    step = ""
    capability = Capability.TAKE_PICKUP

    def __init__(self, *args, pickup: PickupRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.pickup = pickup

    def add_domain_error(self, error: DomainError) -> bool:
        """Show a refusal as every page does; False if it names none of the
        inputs here (the page then shows it on the fresh pickup page)."""
        return show_on_form(self, error)


class AcceptForm(PickupActionForm):
    step = "accept"


class ContactForm(PickupActionForm):
    step = "contact"
    method = forms.ChoiceField(
        label=_("How you reached the customer"), choices=ContactMethod.choices
    )


class PickUpForm(PickupActionForm):
    step = "pick-up"
    pieces = forms.IntegerField(
        label=_("Pieces"),
        min_value=1,
        max_value=MAX_PIECES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", **LARGE}),
    )
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        min_value=MIN_WEIGHT_KG,
        max_value=MAX_WEIGHT_KG,
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={"inputmode": "decimal", "step": "0.01", **LARGE}
        ),
    )
    insurance = forms.ChoiceField(
        label=_("Insured value offered: the customer's answer"),
        choices=INSURANCE_ANSWERS,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )

    def __init__(self, *args, pickup: PickupRequest, **kwargs):
        kwargs.setdefault("initial", {"pieces": pickup.expected_pieces})
        super().__init__(*args, pickup=pickup, **kwargs)
        # Only fragile or valuable goods carry the insured-value question.
        if not pickup.needs_insurance_question:
            del self.fields["insurance"]


class EnterForm(PickupActionForm):
    step = "enter"
    capability = Capability.ENTER_PARCEL
    waybill = forms.CharField(
        label=_("Waybill number"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", **LARGE}
        ),
    )


FORM_FOR_STATUS: dict[str, type[PickupActionForm]] = {
    PickupStatus.REQUESTED: AcceptForm,
    PickupStatus.ACCEPTED: ContactForm,
    PickupStatus.CONTACTED: PickUpForm,
    PickupStatus.PICKED_UP: EnterForm,
}


def action_form_for(pickup: PickupRequest) -> PickupActionForm | None:
    """The blank form for the one step this pickup is waiting for, if any."""
    form_class = FORM_FOR_STATUS.get(pickup.status)
    return form_class(pickup=pickup) if form_class else None
