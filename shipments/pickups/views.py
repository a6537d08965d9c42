"""The courier's phone pages: the pickup board, one pickup, and its four steps.

Each step parses its form, calls its one service with ``now``, and redirects
back to the pickup; a refusal is shown on the page, never a server error.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.phone_reveals import phone_for_page
from outlets.access import Capability, requires
from outlets.errors import DomainError
from outlets.requests import StaffRequest

from ..models import PickupRequest
from .forms import (
    AcceptForm,
    ContactForm,
    EnterForm,
    PickupActionForm,
    PickUpForm,
    action_form_for,
)
from .selectors import courier_board, pickup_detail
from .services import pickup_accept, pickup_contact, pickup_enter, pickup_pick_up


@login_required
def courier_pickups(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "shipments/courier_pickups.html",
        {"board": courier_board(request.user)},
    )


@login_required
def courier_pickup(request: StaffRequest, pk: int) -> HttpResponse:
    pickup = _pickup_or_404(request, pk)
    return _page(request, pickup, action_form_for(pickup))


@requires(Capability.TAKE_PICKUP)
@require_POST
def accept(request: StaffRequest, pk: int) -> HttpResponse:
    pickup = pickup_detail(request.user, pk)
    if pickup is None:
        # Taken by a colleague a moment ago, or never this courier's to take:
        # one answer for both, and back to the board rather than a dead end.
        messages.error(request, _("This pickup is no longer available."))
        return redirect("shipments:courier-pickups")
    return _perform(
        request,
        AcceptForm(request.POST, pickup=pickup),
        _("Pickup accepted. Contact the customer before the clock runs out."),
        lambda data: pickup_accept(
            pickup=pickup, courier=request.user, now=timezone.now()
        ),
    )


@requires(Capability.TAKE_PICKUP)
@require_POST
def contact(request: StaffRequest, pk: int) -> HttpResponse:
    pickup = _pickup_or_404(request, pk)
    return _perform(
        request,
        ContactForm(request.POST, pickup=pickup),
        _("Contact recorded."),
        lambda data: pickup_contact(
            pickup=pickup,
            courier=request.user,
            method=data["method"],
            now=timezone.now(),
        ),
    )


@requires(Capability.TAKE_PICKUP)
@require_POST
def pick_up(request: StaffRequest, pk: int) -> HttpResponse:
    pickup = _pickup_or_404(request, pk)
    return _perform(
        request,
        PickUpForm(request.POST, pickup=pickup),
        _("Picked up. Enter the parcel before the clock runs out."),
        lambda data: pickup_pick_up(
            pickup=pickup,
            courier=request.user,
            pieces=data["pieces"],
            weight_kg=data["weight_kg"],
            insurance=data.get("insurance", ""),
            now=timezone.now(),
        ),
    )


@requires(Capability.ENTER_PARCEL)
@require_POST
def enter(request: StaffRequest, pk: int) -> HttpResponse:
    pickup = _pickup_or_404(request, pk)
    return _perform(
        request,
        EnterForm(request.POST, pickup=pickup),
        _("Entered. The customer is being notified."),
        lambda data: pickup_enter(
            pickup=pickup, waybill=data["waybill"], by=request.user, now=timezone.now()
        ),
    )


def _pickup_or_404(request: StaffRequest, pk: int) -> PickupRequest:
    pickup = pickup_detail(request.user, pk)
    if pickup is None:
        raise Http404
    return pickup


def _page(
    request: StaffRequest, pickup: PickupRequest, form: PickupActionForm | None
) -> HttpResponse:
    # The courier carrying this pickup dials from here (recorded as shown);
    # a request not yet theirs shows the number masked.
    phone = phone_for_page(
        request.user,
        pickup.customer,
        now=timezone.now(),
        carrying=pickup.courier_id == request.user.pk,
    )
    return render(
        request,
        "shipments/courier_pickup.html",
        {"pickup": pickup, "form": form, "phone": phone},
    )


def _perform(
    request: StaffRequest,
    form: PickupActionForm,
    done: str,
    step: Callable[[dict], object],
) -> HttpResponse:
    """Run one step and answer the courier.

    1. Invalid input: the page again (200) with the errors beside the inputs.
    2. A refusal naming this form's inputs: the same, with the service's reasons.
    3. Any other refusal (a stale page, another courier's pickup): back to the
       fresh page, which shows the step the pickup now waits for, with a message.
    4. Success: back to the pickup page with a success message.
    """
    pickup = form.pickup
    if form.is_valid():
        try:
            step(form.cleaned_data)
        except DomainError as error:
            if not form.add_domain_error(error):
                messages.error(request, str(error.message))
                return redirect("shipments:courier-pickup", pk=pickup.pk)
        else:
            messages.success(request, done)
            return redirect("shipments:courier-pickup", pk=pickup.pk)
    return _page(request, pickup, form)
