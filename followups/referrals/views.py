"""The referral page (转介绍): who referred whom, per outlet and account manager,
and the referral share of new customers over the last twelve months."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from customers.models import Customer
from lib.months import add_months_to
from outlets.access import Capability, requires, visible
from outlets.requests import StaffRequest

from .forms import ReferralFilterForm
from .selectors import (
    referral_counts_by_referrer_manager,
    referral_share_by_month,
    referrals_filtered,
    referrals_for,
    with_first_shipment,
)

PAGE = 50
SHARE_MONTHS = 12


@requires(Capability.SEE_SURVEYS_AND_REFERRALS)
def referral_list(request: StaffRequest) -> HttpResponse:
    form = ReferralFilterForm(request.GET or None, user=request.user)
    referrals = referrals_for(request.user)
    customers = visible(request.user, Customer.objects.all())
    if form.is_bound and form.is_valid():
        outlet_id = form.chosen("outlet")
        referrals = referrals_filtered(
            referrals,
            outlet_id=outlet_id,
            account_manager_id=form.chosen("account_manager"),
            month=form.cleaned_data["month"],
        )
        if outlet_id is not None:
            customers = customers.filter(outlet_id=outlet_id)
    elif form.is_bound:
        referrals = referrals.none()
    this_month = timezone.localdate().replace(day=1)
    context = {
        "form": form,
        "page": Paginator(with_first_shipment(referrals), PAGE).get_page(
            request.GET.get("page")
        ),
        "by_manager": referral_counts_by_referrer_manager(referrals),
        "share": referral_share_by_month(
            customers,
            first=add_months_to(this_month, 1 - SHARE_MONTHS),
            last=this_month,
        ),
    }
    return render(request, "followups/referrals.html", context)
