"""Pages of the segments that change service: the key customer's discount."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from customers.discounts import customer_set_freight_discount
from customers.selectors import customer_detail
from outlets.access import Capability, requires
from outlets.errors import DomainError
from outlets.requests import StaffRequest

FIELD = "freight_discount_percent"


class FreightDiscountForm(forms.Form):
    # A plain number: the service says what is out of bounds, for page and API.
    freight_discount_percent = forms.DecimalField(
        label=gettext_lazy("Freight discount (%)"),
        widget=forms.NumberInput(attrs={"step": "0.1", "class": "form-control"}),
    )


@requires(Capability.EDIT_CUSTOMER_FILE)
@require_POST
def freight_discount_edit(request: StaffRequest, pk: int) -> HttpResponse:
    customer = customer_detail(request.user, pk)
    if customer is None:
        raise Http404
    form = FreightDiscountForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(
                _("The discount was not saved."),
                fields={FIELD: form.errors.get(FIELD, [])},
            )
        customer_set_freight_discount(
            customer=customer, percent=form.cleaned_data[FIELD]
        )
    except DomainError as error:
        messages.error(request, _in_words(error))
    else:
        messages.success(request, _("Freight discount saved."))
    return redirect("customers:detail", pk=customer.pk)


def _in_words(error: DomainError) -> str:
    reasons = " ".join(str(reason) for reason in error.fields.get(FIELD, []))
    return _("%(what)s %(why)s") % {"what": error.message, "why": reasons}
