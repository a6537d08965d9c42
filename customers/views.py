from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outlets.access import Capability, requires
from outlets.errors import DomainError

from .filters import CustomerFilter
from .forms import HabitsForm, NoteForm
from .selectors import customer_detail, customers_for
from .services import HABIT_FIELDS, customer_add_note, customer_update_habits
from .tenure import tenure_on


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    customers = CustomerFilter(request.GET, queryset=customers_for(request.user))
    page = Paginator(customers.qs, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for customer in page:
        customer.tenure = tenure_on(customer.cooperation_start, today)
    return render(request, "customers/list.html", {"filter": customers, "page": page})


@login_required
def customer_page(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_detail(request.user, pk)
    if customer is None:
        raise Http404
    customer.tenure = tenure_on(customer.cooperation_start, timezone.localdate())
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "note_form": NoteForm(),
            "habits_form": HabitsForm(
                initial={name: getattr(customer.habits, name) for name in HABIT_FIELDS}
            ),
            "problems": customer.problems.order_by("-reported_at")[:20],
        },
    )


@requires(Capability.ADD_NOTE)
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_detail(request.user, pk)
    if customer is None:
        raise Http404
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            customer_add_note(
                customer=customer,
                author=request.user,
                text=form.cleaned_data["text"],
                noted_on=form.cleaned_data["noted_on"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Note saved."))
    else:
        messages.error(
            request,
            _("The note was not saved: %(errors)s")
            % {"errors": form.errors_in_words()},
        )
    return redirect("customers:detail", pk=customer.pk)


@requires(Capability.EDIT_CUSTOMER_FILE)
@require_POST
def habits_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_detail(request.user, pk)
    if customer is None:
        raise Http404
    form = HabitsForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("The habits were not saved: %(errors)s")
            % {"errors": form.errors_in_words()},
        )
        return redirect("customers:detail", pk=customer.pk)
    try:
        customer_update_habits(customer=customer, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Habits saved."))
    return redirect("customers:detail", pk=customer.pk)
