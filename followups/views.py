"""Follow-up pages: the account manager's day (a phone page), the managers'
list by owner and state, a follow-up planned by hand, and the customer's
timeline. Each step is one service call; a refused one is shown with its
reason and the API's status, never a server error.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from customers.models import Customer
from lib.bounds import is_plausible_instant
from outlets.access import Capability, may, requires, visible
from outlets.errors import DomainError
from outlets.models import Staff
from outlets.requests import StaffRequest

from .day_display import day_display, outcome_choices
from .forms import (
    CompleteForm,
    DeclineForm,
    FollowUpForm,
    ListFilterForm,
    ReassignForm,
    RescheduleForm,
    add_domain_error,
)
from .models import FollowUp
from .selectors import (
    colleagues_for_follow_ups,
    counts_by_owner,
    customer_timeline,
    follow_ups_for,
    my_day,
)
from .services import (
    follow_up_complete,
    follow_up_create,
    follow_up_decline,
    follow_up_reassign,
    follow_up_reschedule,
)


@requires(Capability.WORK_FOLLOW_UPS)
def day(request: StaffRequest) -> HttpResponse:
    """What to do today, each item with the customer file beside it."""
    context = {
        "day": day_display(my_day(request.user, now=timezone.now())),
        "outcomes": outcome_choices(),
        # Where each card's form comes back to, read once for all the cards.
        "here": request.get_full_path(),
    }
    return render(request, "followups/day.html", context)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("followups:day")


def _mine(request: StaffRequest, pk: int) -> FollowUp:
    return get_object_or_404(follow_ups_for(request.user), pk=pk)


def _refused(request: HttpRequest, form, error: DomainError | None = None):
    if error is not None:
        add_domain_error(form, error)
    status = error.status if error is not None else 400
    context = {"form": form, "back": _back(request)}
    return render(request, "followups/refused.html", context, status=status)


def _step(request: StaffRequest, pk: int, form_class, run) -> HttpResponse:
    follow_up = _mine(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    try:
        run(follow_up, form, timezone.now())
    except DomainError as error:
        return _refused(request, form, error)
    return redirect(_back(request))


@require_POST
@requires(Capability.WORK_FOLLOW_UPS)
def complete(request: StaffRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        CompleteForm,
        lambda f, form, now: follow_up_complete(
            follow_up=f,
            by=request.user,
            outcome=form.cleaned_data["outcome"],
            result_note=form.cleaned_data["result_note"],
            now=now,
        ),
    )


@require_POST
@requires(Capability.WORK_FOLLOW_UPS)
def reschedule(request: StaffRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        RescheduleForm,
        lambda f, form, now: follow_up_reschedule(
            follow_up=f,
            by=request.user,
            due_at=form.due(now),
            result_note=form.cleaned_data["result_note"],
            outcome=form.cleaned_data["outcome"],
            now=now,
        ),
    )


@require_POST
@requires(Capability.WORK_FOLLOW_UPS)
def decline(request: StaffRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        DeclineForm,
        lambda f, form, now: follow_up_decline(
            follow_up=f,
            by=request.user,
            result_note=form.cleaned_data["result_note"],
            now=now,
        ),
    )


@require_POST
@requires(Capability.MANAGE_FOLLOW_UPS)
def reassign(request: StaffRequest, pk: int) -> HttpResponse:
    def run(follow_up, form, now):
        owner = Staff.objects.filter(pk=form.cleaned_data["owner"]).first()
        if owner is None:
            raise DomainError(_("Choose a colleague."), fields={"owner": []})
        follow_up_reassign(follow_up=follow_up, by=request.user, owner=owner, now=now)

    return _step(request, pk, ReassignForm, run)


@requires(Capability.MANAGE_FOLLOW_UPS)
def follow_up_list(request: StaffRequest) -> HttpResponse:
    """The outlet's follow-ups: counts per owner and state, a filter, reassign."""
    everyone = follow_ups_for(request.user)
    outlet_id = request.user.outlet_id
    owners = list(colleagues_for_follow_ups(outlet_id)) if outlet_id else []
    form = ListFilterForm(request.GET or None, owners=owners)
    chosen = everyone
    if form.is_bound and form.is_valid():
        chosen = _filtered(everyone, form.cleaned_data)
    now = timezone.now()
    page = Paginator(chosen.order_by("due_at", "pk"), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "counts": counts_by_owner(everyone, now=now),
        "page": page,
        "owners": owners,
        "now": now,
        "query": _query_without_page(request),
    }
    return render(request, "followups/list.html", context)


def _filtered(follow_ups, data: dict):
    if data.get("state"):
        follow_ups = follow_ups.filter(state=data["state"])
    if data.get("kind"):
        follow_ups = follow_ups.filter(kind=data["kind"])
    if data.get("owner"):
        follow_ups = follow_ups.filter(owner=data["owner"])
    if data.get("due_after"):
        follow_ups = follow_ups.filter(due_at__gte=data["due_after"])
    if data.get("due_before"):
        follow_ups = follow_ups.filter(due_at__lt=data["due_before"])
    return follow_ups


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_http_methods(["GET", "POST"])
@requires(Capability.WORK_FOLLOW_UPS)
def follow_up_new(request: StaffRequest, customer_id: int) -> HttpResponse:
    """Plan a follow-up for one customer by hand."""
    customer = get_object_or_404(
        visible(request.user, Customer.objects.all()), pk=customer_id
    )
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            follow_up_create(
                by=request.user,
                customer=customer,
                kind=form.cleaned_data["kind"],
                due_at=form.cleaned_data["due_at"],
                channel=form.cleaned_data["channel"] or None,
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("customers:detail", customer.pk)
    context = {"form": form, "customer": customer}
    return render(request, "followups/new.html", context)


@login_required
def timeline(request: StaffRequest, customer_id: int) -> HttpResponse:
    """The whole timeline, a page at a time (``before`` is the cursor)."""
    customer = get_object_or_404(
        visible(request.user, Customer.objects.all()), pk=customer_id
    )
    before = _before(request.GET.get("before"))
    entries, older = customer_timeline(customer, now=timezone.now(), before=before)
    context = {
        "customer": customer,
        "entries": entries,
        "older": older,
        "may_plan": may(request.user, Capability.WORK_FOLLOW_UPS),
    }
    return render(request, "followups/timeline.html", context)


def _before(value: str | None):
    if not value:
        return None
    try:
        instant = parse_datetime(value.replace(" ", "+"))
    except ValueError:
        instant = None
    if (
        instant is None
        or timezone.is_naive(instant)
        or not is_plausible_instant(instant)
    ):
        raise Http404
    return instant
