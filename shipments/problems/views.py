"""Problem pages: report (courier's phone), board, detail with the next step, summary.

Every step is one service call; a refused step is shown, never a server error.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_stubs_ext import StrOrPromise

from outlets.access import Capability, may, requires
from outlets.errors import DomainError, StateConflict, show_on_form
from outlets.requests import StaffRequest

from ..models import Problem, ProblemStage
from .forms import (
    CloseForm,
    DelayForm,
    MonthForm,
    ProblemReportForm,
    RemedyForm,
    RespondForm,
    SolutionForm,
)
from .selectors import (
    liability_summary,
    problem_board,
    problem_detail,
    problem_timeline,
)
from .services import (
    problem_close,
    problem_offer_solution,
    problem_pause,
    problem_remedy,
    problem_report,
    problem_respond,
    problem_resume,
    shipment_report_delay,
)


@dataclass(frozen=True)
class Step:
    title: StrOrPromise
    form: type[forms.Form]
    run: Callable[..., Problem]


STEPS = {
    "respond": Step(
        gettext_lazy("Record the response"),
        RespondForm,
        lambda p, d, now: problem_respond(problem=p, note=d["note"], now=now),
    ),
    "offer-solution": Step(
        gettext_lazy("Offer a first solution"),
        SolutionForm,
        lambda p, d, now: problem_offer_solution(
            problem=p, note=d["note"], handling_plan=d["handling_plan"], now=now
        ),
    ),
    "remedy": Step(
        gettext_lazy("Record the remedy"),
        RemedyForm,
        lambda p, d, now: problem_remedy(
            problem=p, remedy_kind=d["remedy_kind"], note=d["note"], now=now
        ),
    ),
    "close": Step(
        gettext_lazy("Close the problem"),
        CloseForm,
        lambda p, d, now: problem_close(
            problem=p,
            liability=d["liability"],
            compensation=d["compensation"],
            now=now,
        ),
    ),
}
NEXT_STEP: dict[str, str] = {
    ProblemStage.REPORTED: "respond",
    ProblemStage.RESPONDED: "offer-solution",
    ProblemStage.SOLUTION_OFFERED: "remedy",
    ProblemStage.REMEDIED: "close",
}
TOGGLES = {"pause": problem_pause, "resume": problem_resume}


@requires(Capability.REPORT_PROBLEM)
@require_http_methods(["GET", "POST"])
def report(request: StaffRequest) -> HttpResponse:
    """Report damage, loss or a complaint, or a delay, on a shipment by waybill."""
    which = request.POST.get("form") if request.method == "POST" else None
    if which == "delay" and not may(request.user, Capability.SEND_DELAY_NOTICE):
        raise PermissionDenied
    report_form = ProblemReportForm(
        request.POST if which == "report" else None, user=request.user
    )
    delay_form = DelayForm(
        request.POST if which == "delay" else None, user=request.user
    )
    form = {"report": report_form, "delay": delay_form}.get(which or "")
    if which and form is not None and form.is_valid():
        try:
            problem = _report(request, which, form.cleaned_data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            return _reported(request, problem)
    return render(
        request,
        "shipments/problem_report.html",
        {"report_form": report_form, "delay_form": delay_form, "open": which},
    )


def _report(request: StaffRequest, which: str, data: dict) -> Problem:
    if which == "delay":
        return shipment_report_delay(
            shipment=data["waybill"],
            reason=data["reason"],
            new_expected_at=data["new_expected_at"],
            plan=data["plan"],
            reported_by=request.user,
            now=timezone.now(),
        )
    shipment = data["waybill"]
    return problem_report(
        customer=shipment.customer,
        shipment=shipment,
        kind=data["kind"],
        description=data["description"],
        reported_by=request.user,
        now=timezone.now(),
    )


def _waybill(problem: Problem) -> str:
    # A reported problem is always on a shipment (the form asks for a waybill).
    assert problem.shipment is not None
    return problem.shipment.waybill


def _reported(request: StaffRequest, problem: Problem) -> HttpResponse:
    messages.success(
        request,
        _("Problem #%(id)s reported on waybill %(waybill)s.")
        % {"id": problem.pk, "waybill": _waybill(problem)},
    )
    if not may(request.user, Capability.HANDLE_PROBLEM):
        return redirect("problems:report")  # the next report, on the phone
    return redirect("problems:detail", pk=problem.pk)


@requires(Capability.HANDLE_PROBLEM)
def board(request: StaffRequest) -> HttpResponse:
    now = timezone.now()
    groups = problem_board(request.user, now=now)
    return render(
        request, "shipments/problem_board.html", {"groups": groups, "now": now}
    )


@login_required
def detail(request: StaffRequest, pk: int) -> HttpResponse:
    problem = _problem_or_404(request, pk)
    return _detail_page(request, problem)


def _detail_page(
    request: StaffRequest,
    problem: Problem,
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    step_name = NEXT_STEP.get(problem.stage)
    can_act = may(request.user, Capability.HANDLE_PROBLEM)
    step = STEPS[step_name] if step_name and can_act else None
    context = {
        "problem": problem,
        "timeline": problem_timeline(problem),
        "can_act": can_act,
        "step_name": step_name,
        "step": step,
        "form": form or (step.form() if step else None),
    }
    return render(request, "shipments/problem_detail.html", context, status=status)


@requires(Capability.HANDLE_PROBLEM)
@require_POST
def act(request: StaffRequest, pk: int, step: str) -> HttpResponse:
    """Run one stage step (or pause/resume) on a problem the user may see."""
    problem = _problem_or_404(request, pk)
    if step not in STEPS and step not in TOGGLES:
        raise Http404
    if step in TOGGLES:
        return _toggle(request, problem, step)
    form = STEPS[step].form(request.POST)
    if not form.is_valid():
        return _detail_page(request, problem, form)
    try:
        STEPS[step].run(problem, form.cleaned_data, timezone.now())
    except StateConflict as error:
        # Someone else moved the problem on, or it is paused: show it as it is.
        messages.error(request, str(error.message))
    except DomainError as error:
        show_on_form(form, error)
        return _detail_page(request, problem, form, status=error.status)
    else:
        messages.success(request, _("Saved."))
    return redirect("problems:detail", pk=problem.pk)


def _toggle(request: StaffRequest, problem: Problem, step: str) -> HttpResponse:
    try:
        TOGGLES[step](problem=problem, now=timezone.now())
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        done = _("Paused.") if step == "pause" else _("Resumed.")
        messages.success(request, done)
    return redirect("problems:detail", pk=problem.pk)


def _problem_or_404(request: StaffRequest, pk: int) -> Problem:
    problem = problem_detail(request.user, pk)
    if problem is None:
        raise Http404
    return problem


@requires(Capability.SEE_PROBLEM_SUMMARY)
def summary(request: StaffRequest) -> HttpResponse:
    """Liability and compensation per outlet for one month."""
    form = MonthForm(request.GET or None)
    month = form.cleaned_data.get("month") if form.is_valid() else None
    month = (month or timezone.localdate()).replace(day=1)
    rows = liability_summary(request.user, month=month)
    return render(
        request,
        "shipments/problem_summary.html",
        {
            "form": form,
            "month": month,
            "rows": rows,
            "previous": _shift_month(month, -1),
            "following": _shift_month(month, 1),
        },
    )


def _shift_month(month, delta: int) -> str:
    index = month.year * 12 + month.month - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
