from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outlets.access import Capability, requires
from outlets.errors import DomainError
from outlets.models import Staff
from outlets.requests import StaffRequest

from .filters import CustomerFilter
from .forms import CustomerForm, HabitsForm, NoteForm
from .models import Customer
from .phone_reveals import phone_for_page
from .search import filter_data, search_save
from .selectors import customer_detail, customers_for
from .services import (
    CUSTOMER_FIELDS,
    HABIT_FIELDS,
    customer_add_note,
    customer_create,
    customer_update,
    customer_update_habits,
    office_staff,
    office_staff_anywhere,
)
from .tenure import tenure_on


@login_required
def customer_list(request: StaffRequest) -> HttpResponse:
    if request.method == "POST":  # the search box: a phone stays out of the URL
        return redirect(search_save(request))
    data = filter_data(request)
    customers = CustomerFilter(data, queryset=customers_for(request.user))
    page = Paginator(customers.qs, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for customer in page:
        customer.tenure = tenure_on(customer.cooperation_start, today)
    return render(request, "customers/list.html", {"filter": customers, "page": page})


@login_required
def customer_page(request: StaffRequest, pk: int) -> HttpResponse:
    customer = customer_detail(request.user, pk)
    if customer is None:
        raise Http404
    # For the template only (not a field).
    today = timezone.localdate()
    customer.tenure = tenure_on(customer.cooperation_start, today)  # type: ignore[attr-defined]
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
            # The office calls from here: the full number, recorded as shown.
            "phone": phone_for_page(request.user, customer, now=timezone.now()),
        },
    )


@requires(Capability.ADD_NOTE)
@require_POST
def note_add(request: StaffRequest, pk: int) -> HttpResponse:
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
def habits_edit(request: StaffRequest, pk: int) -> HttpResponse:
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


# --- The book: adding and editing customers -----------------------------------


def _referrers(user: Staff, customer: Customer | None) -> QuerySet[Customer]:
    """Who may be named as the referrer: the user's customers but this one."""
    referrers = customers_for(user)
    return referrers if customer is None else referrers.exclude(pk=customer.pk)


def _customer_form(request: StaffRequest, customer: Customer | None, **kwargs):
    user = request.user
    outlet = customer.outlet if customer else user.outlet
    staff = office_staff(outlet) if outlet else office_staff_anywhere()
    return CustomerForm(
        request.POST or None,
        office_staff=staff,
        referrers=_referrers(user, customer),
        ask_outlet=outlet is None,
        **kwargs,
    )


def _show_errors(form: CustomerForm, error: DomainError | ValidationError) -> None:
    """Put the service's reasons beside the fields they name."""
    if isinstance(error, ValidationError):
        fields = getattr(error, "error_dict", {NON_FIELD_ERRORS: error.error_list})
    else:
        fields = error.fields or {NON_FIELD_ERRORS: [error.message]}
    for name, reasons in fields.items():
        field = name if name in form.fields else None
        for reason in reasons:
            form.add_error(field, reason)


@requires(Capability.ADD_CUSTOMER)
def customer_new(request: StaffRequest) -> HttpResponse:
    form = _customer_form(request, None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        outlet = data.pop("outlet", None) or request.user.outlet
        assert outlet is not None  # the form asks for one when the user has none
        try:
            customer = customer_create(outlet=outlet, created_by=request.user, **data)
        except (DomainError, ValidationError) as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Customer added."))
            return _after_save(request, customer)
    return _form_page(request, form, None)


@requires(Capability.EDIT_CUSTOMER_FILE)
def customer_edit(request: StaffRequest, pk: int) -> HttpResponse:
    customer = customer_detail(request.user, pk)
    if customer is None:
        raise Http404
    form = _customer_form(request, customer, initial=_initial(request, customer))
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        needs = changed.pop("needs", None)
        changes = {k: v for k, v in changed.items() if k in CUSTOMER_FIELDS}
        try:
            customer_update(customer=customer, by=request.user, needs=needs, **changes)
        except (DomainError, ValidationError) as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Customer saved."))
            return _after_save(request, customer)
    return _form_page(request, form, customer)


def _initial(request: StaffRequest, customer: Customer) -> dict:
    initial = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
    initial["needs"] = [row.need for row in customer.needs.all()]
    referrer = customer.referred_by
    # A referrer the user may not see keeps its place unless a phone is typed.
    initial["referred_by"] = None
    if (
        referrer is not None
        and customers_for(request.user).filter(pk=referrer.pk).exists()
    ):
        initial["referred_by"] = referrer.phone
    return initial


def _form_page(request: HttpRequest, form: CustomerForm, customer) -> HttpResponse:
    status = 400 if form.is_bound else 200
    context = {"form": form, "customer": customer}
    return render(request, "customers/form.html", context, status=status)


def _after_save(request: StaffRequest, customer: Customer) -> HttpResponse:
    # Handed to a colleague, the customer is no longer the user's to open.
    if customers_for(request.user).filter(pk=customer.pk).exists():
        return redirect("customers:detail", pk=customer.pk)
    return redirect("customers:list")
