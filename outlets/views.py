from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .access import Capability, may
from .models import ApiToken
from .requests import StaffRequest
from .services import api_token_issue, api_token_revoke

# Where a day starts, first match wins: the clock board for those who watch it,
# the pickup board for those who take pickups, the day for account managers.
HOME_BY_CAPABILITY = [
    (Capability.SEE_CLOCK_BOARD, "clocks:board"),
    (Capability.TAKE_PICKUP, "shipments:courier-pickups"),
    # An account manager's day starts with their follow-ups (客户经理的今日工作).
    (Capability.WORK_FOLLOW_UPS, "followups:day"),
]


@login_required
def home(request: StaffRequest) -> HttpResponse:
    """Each role lands where its day starts."""
    for capability, page in HOME_BY_CAPABILITY:
        if may(request.user, capability):
            return redirect(page)
    return redirect("customers:list")


@require_http_methods(["GET", "POST"])
@login_required
def api_token(request: StaffRequest) -> HttpResponse:
    """My API token: see whether one is live, get a new one, revoke it.

    A new token is shown on the answer to the POST only (it is never stored,
    and the answer is never cached: lib/cache_control.py).
    """
    issued_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            api_token_revoke(staff=request.user)
            messages.success(request, _("Your API token is revoked."))
            return redirect("api-token")
        token, issued_key = api_token_issue(staff=request.user, now=timezone.now())
    context = {
        "token": ApiToken.objects.filter(user=request.user).first(),
        "issued_key": issued_key,
        "token_days": settings.API_TOKEN_DAYS,
    }
    return render(request, "outlets/api_token.html", context)
