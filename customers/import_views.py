"""Pages of the customer import (upload, preview, progress) and the export."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers.filters import CustomerFilter
from customers.forms import ImportForm
from customers.imports.columns import COLUMNS, REQUIRED
from customers.imports.exporting import export_name, export_rows
from customers.imports.jobs import (
    import_job_check,
    import_job_confirm,
    import_job_create,
    import_job_run,
    runs_inline,
)
from customers.models import ImportJob, ImportState
from customers.search import filter_data
from customers.selectors import customers_for
from customers.tasks import check_import, run_import
from lib.spreadsheets import csv_streaming_response, xlsx_response
from outlets.access import Capability, requires, visible
from outlets.errors import DomainError
from outlets.requests import StaffRequest

RUNNING = (ImportState.CHECKING, ImportState.QUEUED, ImportState.IMPORTING)
ERRORS_SHOWN = 500


@requires(Capability.IMPORT_CUSTOMERS)
def import_upload(request: StaffRequest) -> HttpResponse:
    outlet = request.user.outlet
    form = ImportForm(
        request.POST or None, request.FILES or None, ask_outlet=not outlet
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            chosen = form.cleaned_data.get("outlet") or outlet
            assert chosen is not None  # the form asks when the user has none
            job = import_job_create(
                outlet=chosen,
                by=request.user,
                file_name=upload.name,
                content=upload.read(),
                language=get_language(),
                now=timezone.now(),
            )
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            _start(job, import_job_check, check_import)
            return redirect("customers:import-job", pk=job.pk)
    jobs = visible(request.user, ImportJob.objects.defer("content"))[:10]
    context = {"form": form, "jobs": jobs, "columns": COLUMNS, "required": REQUIRED}
    status = 400 if form.is_bound else 200
    return render(request, "customers/import_upload.html", context, status=status)


def _start(job: ImportJob, run_inline, task) -> None:
    """A small file runs now, in the request; a large one on a worker."""
    if runs_inline(job):
        run_inline(job_id=job.pk, now=timezone.now())
    else:
        transaction.on_commit(lambda: task.delay(job.pk))


def _job(request: StaffRequest, pk: int) -> ImportJob:
    job = visible(request.user, ImportJob.objects.defer("content")).filter(pk=pk)
    if (found := job.first()) is None:
        raise Http404
    return found


@requires(Capability.IMPORT_CUSTOMERS)
@require_GET
def import_job_page(request: StaffRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    errors = [
        {**error, "label": COLUMNS.get(error["field"], _("Row"))}
        for error in job.errors[:ERRORS_SHOWN]
    ]
    context = {
        "job": job,
        "errors": errors,
        "more_errors": max(0, len(job.errors) - ERRORS_SHOWN),
        "running": job.state in RUNNING,
    }
    return render(request, "customers/import_job.html", context)


@requires(Capability.IMPORT_CUSTOMERS)
@require_GET
def import_job_progress(request: StaffRequest, pk: int) -> JsonResponse:
    """What the progress bar polls: counts only, no customer data."""
    job = _job(request, pk)
    fields = ("rows_total", "rows_done", "rows_good", "rows_bad", "rows_created")
    body = {name: getattr(job, name) for name in fields}
    return JsonResponse({"state": job.state, "running": job.state in RUNNING, **body})


@requires(Capability.IMPORT_CUSTOMERS)
@require_POST
def import_job_confirm_view(request: StaffRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        job = import_job_confirm(job=job, by=request.user, now=timezone.now())
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        _start(ImportJob.objects.get(pk=job.pk), import_job_run, run_import)
    return redirect("customers:import-job", pk=job.pk)


@requires(Capability.EXPORT_CUSTOMERS)
@require_GET
def customer_export(request: StaffRequest) -> HttpResponseBase:
    """The customers the list shows (same filters), as CSV or Excel."""
    data = filter_data(request)  # the list's saved search too
    chosen = CustomerFilter(data, queryset=customers_for(request.user)).qs
    rows = export_rows(chosen.order_by("pk"))
    if request.GET.get("format") == "xlsx":
        return xlsx_response(rows, export_name("xlsx"), title=_("Customers"))
    return csv_streaming_response(rows, export_name("csv"))
