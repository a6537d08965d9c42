from collections.abc import Iterator

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from lib.spreadsheets import csv_response
from outlets.access import Capability, requires
from outlets.errors import DomainError, show_on_form
from outlets.requests import StaffRequest

from .forms import OutletChoiceForm, PolicyForm, ReportForm
from .policies import policy_save
from .selectors import BreachReport, breach_report, clock_board, effective_policies


@requires(Capability.SEE_CLOCK_BOARD)
def board(request: StaffRequest) -> HttpResponse:
    choice = OutletChoiceForm(request.user, request.GET or None)
    now = timezone.now()
    return render(
        request,
        "clocks/board.html",
        {
            "outlet_form": choice,
            "now": now,
            "board": clock_board(request.user, now=now, outlet_id=choice.outlet_id()),
        },
    )


@requires(Capability.EXPORT_REPORTS)
def breach_report_page(request: StaffRequest) -> HttpResponse:
    form = ReportForm(request.user, request.GET)
    if not form.is_valid():
        return render(request, "clocks/breach_report.html", {"form": form})
    report = breach_report(
        request.user, start=form.start, end=form.end, outlet_id=form.outlet_id()
    )
    if request.GET.get("format") == "csv":
        return _report_csv(report, form)
    csv_query = urlencode({**request.GET.dict(), "format": "csv"})
    return render(
        request,
        "clocks/breach_report.html",
        {"form": form, "report": report, "csv_query": csv_query},
    )


def _report_csv(report: BreachReport, form: ReportForm) -> HttpResponse:
    name = f"breach-report-{form.start:%Y%m%d}-{form.end:%Y%m%d}.csv"
    return csv_response(_report_rows(report), name)


def _report_rows(report: BreachReport) -> Iterator[list]:
    # Staff names are typed by people: lib.spreadsheets keeps "=..." as text.
    yield [
        _("Grouped by"),
        _("Group"),
        _("Total"),
        _("Met on time"),
        _("Breached"),
        _("Still open"),
        _("Compliance %"),
    ]
    for grouping, rows in (
        (_("Clock"), report.by_kind),
        (_("Responsible"), report.by_responsible),
        (_("Day"), report.by_day),
    ):
        for row in rows:
            compliance = "" if row.compliance is None else f"{row.compliance:.1f}"
            yield [
                grouping,
                row.label,
                row.total,
                row.met_on_time,
                row.breached,
                row.still_open,
                compliance,
            ]


@requires(Capability.EDIT_POLICIES)
def policies(request: StaffRequest) -> HttpResponse:
    user = request.user
    choice = OutletChoiceForm(user, request.GET or None)
    outlet_id = choice.outlet_id() if user.is_hq else user.outlet_id
    form = PolicyForm(user, request.POST or None, initial={"outlet": outlet_id})
    if request.method == "POST" and form.is_valid():
        try:
            policy = policy_save(by=user, **form.cleaned_data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request, _("Policy saved. It applies to clocks started from now on.")
            )
            return redirect(_policies_url(policy.outlet_id if user.is_hq else None))
    return render(
        request,
        "clocks/policies.html",
        {
            "form": form,
            "outlet_form": choice,
            "outlet_id": outlet_id,
            "policies": effective_policies(user, outlet_id=outlet_id),
        },
    )


def _policies_url(outlet_id: int | None) -> str:
    url = reverse("clocks:policies")
    return f"{url}?{urlencode({'outlet': outlet_id})}" if outlet_id else url
