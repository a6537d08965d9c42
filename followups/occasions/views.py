"""Pages of dated care: campaigns, the warehouse-fill phone page, and the care
part of the customer file (personal dates, care tags, opt-out)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.models import Customer, PersonalDate
from outlets.access import Capability, requires, visible
from outlets.errors import DomainError
from outlets.requests import StaffRequest

from . import campaigns as campaign_services
from .care_file import customer_set_care
from .dates import local_day
from .forms import CampaignForm, CareForm, FillForm, PersonalDateForm
from .models import Campaign
from .personal_dates import personal_date_add, personal_date_delete
from .seasons import latest_fill, seasons_for, warehouse_fill_report
from .suggestions import suggestions


def _customer(request: StaffRequest, pk: int) -> Customer:
    customer = visible(request.user, Customer.objects.all()).filter(pk=pk).first()
    if customer is None:
        raise Http404
    return customer


@requires(Capability.RUN_CAMPAIGNS)
def campaigns(request: StaffRequest) -> HttpResponse:
    """The list, and a form whose "Preview" shows the count and the proposals
    for the chosen segment before anything is scheduled."""
    form = CampaignForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "schedule" in request.POST:
            if _schedule(request, form):
                return redirect("followups:campaigns")
        else:
            preview = _preview(request, form)
    elif request.method == "POST":
        messages.error(request, form.errors_in_words())
    rows = visible(request.user, Campaign.objects.all())[:50]
    seasons = seasons_for(request.user.outlet_id).filter(active=True)
    return render(
        request,
        "followups/campaigns.html",
        {"form": form, "preview": preview, "campaigns": rows, "seasons": seasons},
    )


def _preview(request: StaffRequest, form: CampaignForm) -> dict:
    data, segment = form.cleaned_data, form.segment()
    day = local_day(data["send_at"])
    outlet = request.user.outlet
    count = (
        campaign_services.campaign_preview(outlet=outlet, segment=segment, day=day)
        if outlet
        else None
    )
    proposals = suggestions(
        occasion=data["occasion"], day=day, needs=segment["needs"], tags=segment["tags"]
    )
    return {"customers": count, "suggestions": proposals}


def _schedule(request: StaffRequest, form: CampaignForm) -> bool:
    data = form.cleaned_data
    if request.user.outlet is None:
        messages.error(request, _("Campaigns are scheduled from an outlet's login."))
        return False
    season = None
    if data["occasion"] == "promotion":
        season = seasons_for(request.user.outlet_id).filter(active=True).first()
    try:
        campaign_services.campaign_create(
            by=request.user,
            outlet=request.user.outlet,
            name=data["name"],
            occasion=data["occasion"],
            season=season,
            delivery=data["delivery"],
            segment=form.segment(),
            text=data["text"],
            text_en=data["text_en"],
            gift=data["gift"],
            send_at=data["send_at"],
            now=timezone.now(),
        )
    except DomainError as error:
        messages.error(request, _field_errors(error))
        return False
    messages.success(request, _("Campaign scheduled."))
    return True


def _field_errors(error: DomainError) -> str:
    reasons = [str(r) for found in error.fields.values() for r in found]
    return " ".join([str(error.message), *reasons])


@requires(Capability.EDIT_CUSTOMER_FILE)
def warehouse_fill(request: StaffRequest, pk: int) -> HttpResponse:
    """Phone page: what the customer says about their warehouse, in one tap."""
    customer = _customer(request, pk)
    form = FillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warehouse_fill_report(
                customer=customer,
                percent=form.cleaned_data["percent"],
                by=request.user,
                now=timezone.now(),
            )
        except DomainError as error:
            messages.error(request, _field_errors(error))
        else:
            messages.success(request, _("Warehouse fill recorded."))
            return redirect("followups:warehouse-fill", pk=customer.pk)
    return render(
        request,
        "followups/warehouse_fill.html",
        {"customer": customer, "form": form, "latest": latest_fill(customer)},
    )


@requires(Capability.EDIT_CUSTOMER_FILE)
@require_POST
def personal_date_new(request: StaffRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = PersonalDateForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors_in_words())
        return redirect("customers:detail", pk=customer.pk)
    try:
        personal_date_add(
            by=request.user, customer=customer, now=timezone.now(), **form.cleaned_data
        )
    except DomainError as error:
        messages.error(request, _field_errors(error))
    else:
        messages.success(request, _("Personal date saved."))
    return redirect("customers:detail", pk=customer.pk)


@requires(Capability.EDIT_CUSTOMER_FILE)
@require_POST
def personal_date_remove(request: StaffRequest, pk: int) -> HttpResponse:
    rows = visible(request.user, PersonalDate.objects.select_related("customer"))
    row = get_object_or_404(rows, pk=pk)
    personal_date_delete(by=request.user, personal_date=row)
    messages.success(request, _("Personal date removed."))
    return redirect("customers:detail", pk=row.customer_id)


@requires(Capability.EDIT_CUSTOMER_FILE)
@require_POST
def care_edit(request: StaffRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = CareForm(request.POST)
    if form.is_valid():
        customer_set_care(
            customer=customer,
            opt_out=form.cleaned_data["care_opt_out"],
            tags=form.cleaned_data["care_tags"],
        )
        messages.success(request, _("Care preferences saved."))
    else:
        messages.error(request, form.errors_in_words())
    return redirect("customers:detail", pk=customer.pk)
