"""Cold-chain pages: the excursion board and one excursion with its two actions.

The reads at the top are shared with the API (``shipments/coldchain/api.py``)
so a page and an endpoint show the same rows to the same person. Every action
is one service call; a refused action is shown, never a server error.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outlets.access import Capability, requires
from outlets.errors import DomainError, StateConflict, show_on_form
from outlets.requests import StaffRequest

from ..models import Excursion
from .excursions import excursion_confirm, excursion_handle
from .forms import HandleForm
from .selectors import excursion_board, excursion_detail, excursion_readings


@requires(Capability.WATCH_COLD_CHAIN)
def board(request: StaffRequest) -> HttpResponse:
    now = timezone.now()
    excursions = excursion_board(request.user, now=now)
    return render(
        request,
        "shipments/excursion_board.html",
        {"excursions": excursions, "now": now},
    )


@requires(Capability.WATCH_COLD_CHAIN)
def detail(request: StaffRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _excursion_or_404(request, pk))


def _detail_page(
    request: StaffRequest,
    excursion: Excursion,
    form: HandleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "excursion": excursion,
        "shipment": excursion.shipment,
        "clock": excursion.clock,  # type: ignore[attr-defined]  # set for display
        "readings": excursion_readings(excursion, now=timezone.now()),
        "handle_form": form or HandleForm(),
        "can_handle": excursion.handled_at is None,
        "can_confirm": excursion.problem_id is None,
    }
    return render(request, "shipments/excursion_detail.html", context, status=status)


@requires(Capability.WATCH_COLD_CHAIN)
@require_POST
def handle(request: StaffRequest, pk: int) -> HttpResponse:
    """Record what was done: the alarm clock is met."""
    excursion = _excursion_or_404(request, pk)
    form = HandleForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, excursion, form, status=400)
    try:
        excursion_handle(
            excursion=excursion,
            by=request.user,
            note=form.cleaned_data["note"],
            now=timezone.now(),
        )
    except StateConflict as error:
        # Someone else answered the alarm first: show it as it is.
        messages.error(request, str(error.message))
    except DomainError as error:
        show_on_form(form, error)
        return _detail_page(request, excursion, form, status=error.status)
    else:
        messages.success(request, _("Handling recorded; the alarm clock is met."))
    return redirect("excursions:detail", pk=excursion.pk)


@requires(Capability.WATCH_COLD_CHAIN)
@require_POST
def confirm(request: StaffRequest, pk: int) -> HttpResponse:
    """The goods are harmed: open a damage problem and go on to it."""
    excursion = _excursion_or_404(request, pk)
    try:
        problem = excursion_confirm(
            excursion=excursion, by=request.user, now=timezone.now()
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("excursions:detail", pk=excursion.pk)
    messages.success(
        request,
        _("Damage confirmed: problem #%(id)s opened.") % {"id": problem.pk},
    )
    return redirect("problems:detail", pk=problem.pk)


def _excursion_or_404(request: StaffRequest, pk: int) -> Excursion:
    excursion = excursion_detail(request.user, pk)
    if excursion is None:
        raise Http404
    return excursion
