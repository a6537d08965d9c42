"""The import as a job: upload, dry run (the preview), confirm, import.

1. ``import_job_create`` stores the file in an ``ImportJob`` (state checking).
2. ``import_job_check`` reads every row and records its errors without
   writing a customer: the preview (state checked).
3. ``import_job_confirm`` queues the import of the good rows (state queued).
4. ``import_job_run`` claims the queued job (compare-and-set, so two workers
   never import it twice), checks each row again against the book as it is
   now and creates the good ones, one savepoint each, reporting the others;
   the unique phone per outlet makes a re-run report duplicates, not double
   them. Progress is written every ``PROGRESS_EVERY`` rows for the page.

Small files run inline in the request; larger ones on a worker (``tasks``).
"""

from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from customers.imports.checking import Book, Checked, book_of, check_row
from customers.imports.reading import (
    MAX_BYTES,
    FileProblem,
    Row,
    file_format,
    read_rows,
)
from customers.models import ImportJob, ImportState
from customers.services import customer_create
from outlets.errors import DomainError, StateConflict
from outlets.models import Outlet, Staff

# Up to this size the preview and the import run inside the request.
INLINE_BYTES = 64 * 1024
PROGRESS_EVERY = 100


def import_job_create(
    *,
    outlet: Outlet,
    by: Staff,
    file_name: str,
    content: bytes,
    language: str,
    now: datetime,
) -> ImportJob:
    if len(content) > MAX_BYTES:
        raise DomainError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // 2**20},
            fields={"file": [_("Too large.")]},
        )
    try:
        kind = file_format(file_name)
    except FileProblem as problem:
        raise DomainError(str(problem), fields={"file": [str(problem)]}) from None
    return ImportJob.objects.create(
        outlet=outlet,
        created_by=by,
        created_at=now,
        file_name=file_name[:255],
        file_format=kind,
        content=content,
        language=language,
    )


def runs_inline(job: ImportJob) -> bool:
    return len(job.content) <= INLINE_BYTES


def import_job_check(*, job_id: int, now: datetime) -> ImportJob:
    """The dry run: every row's errors, no customer written."""
    job = ImportJob.objects.select_related("outlet").get(pk=job_id)
    if job.state != ImportState.CHECKING:
        return job  # checked already (a retried task)
    with translation.override(job.language):
        rows = _rows_or_fail(job, now)
        if rows is None:
            return _reload(job)
        book, results = book_of(job.outlet), []
        for done, (line, row) in enumerate(rows, start=1):
            results.append(check_row(book, line, row))
            _progress(job, done)
    good = sum(result.ok for result in results)
    ImportJob.objects.filter(pk=job.pk, state=ImportState.CHECKING).update(
        state=ImportState.CHECKED,
        rows_done=len(results),
        rows_good=good,
        rows_bad=len(results) - good,
        errors=_errors(results),
        finished_at=now,
    )
    return _reload(job)


def import_job_confirm(*, job: ImportJob, by: Staff, now: datetime) -> ImportJob:
    """Queue the import of the previewed file (once: a second click conflicts)."""
    queued = ImportJob.objects.filter(pk=job.pk, state=ImportState.CHECKED).update(
        state=ImportState.QUEUED, rows_done=0, finished_at=None
    )
    if not queued:
        raise StateConflict(_("This file is not waiting for confirmation."))
    return _reload(job)


def import_job_run(*, job_id: int, now: datetime) -> ImportJob:
    """Import the good rows of a queued job and report the others."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportState.QUEUED).update(
        state=ImportState.IMPORTING
    )
    job = ImportJob.objects.select_related("outlet", "created_by").get(pk=job_id)
    if not claimed:
        return job  # another worker has it, or it is done
    with translation.override(job.language):
        rows = _rows_or_fail(job, now)
        if rows is None:
            return _reload(job)
        results = _import_rows(job, rows)
    created = sum(result.ok for result in results)
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportState.DONE,
        rows_done=len(results),
        rows_created=created,
        rows_bad=len(results) - created,
        errors=_errors(results),
        finished_at=now,
    )
    return _reload(job)


def _import_rows(job: ImportJob, rows: list[Row]) -> list[Checked]:
    # The customers made so far, by phone: a later row may name one as referrer.
    created: dict[str, int] = {}
    book, results = book_of(job.outlet), []
    for done, (line, row) in enumerate(rows, start=1):
        checked = check_row(book, line, row)
        if checked.ok:
            _create(job, book, checked, created)
        results.append(checked)
        _progress(job, done)
    return results


def _create(
    job: ImportJob, book: Book, checked: Checked, created: dict[str, int]
) -> None:
    fields = dict(checked.fields)
    if checked.referrer_in_file:
        referrer = created.get(checked.referrer_in_file)
        if referrer is None:
            checked.errors["referred_by"] = [_("The referring row was not imported.")]
            return
        fields["referred_by_id"] = referrer
    try:
        with transaction.atomic():
            customer = customer_create(
                outlet=job.outlet, created_by=job.created_by, **fields
            )
    except (DomainError, ValidationError) as error:
        checked.errors.update(_reasons(error))
        return
    except IntegrityError:  # the same phone, imported by someone else meanwhile
        checked.errors["phone"] = [_("A customer of this outlet has this phone.")]
        return
    created[str(customer.phone)] = customer.pk
    book.phones[str(customer.phone)] = customer.pk


def _reasons(error: DomainError | ValidationError) -> dict[str, list[str]]:
    if isinstance(error, DomainError):
        fields = error.fields or {"": [error.message]}
    elif hasattr(error, "error_dict"):
        fields = error.message_dict
    else:
        fields = {"": error.messages}
    return {
        "" if name == NON_FIELD_ERRORS else name: [str(r) for r in reasons]
        for name, reasons in fields.items()
    }


def _rows_or_fail(job: ImportJob, now: datetime) -> list[Row] | None:
    try:
        rows = read_rows(bytes(job.content), job.file_format)
    except FileProblem as problem:
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportState.FAILED, failure=str(problem)[:500], finished_at=now
        )
        return None
    ImportJob.objects.filter(pk=job.pk).update(rows_total=len(rows), rows_done=0)
    return rows


def _progress(job: ImportJob, done: int) -> None:
    if done % PROGRESS_EVERY == 0:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done)


def _errors(results: list[Checked]) -> list[dict]:
    return [
        {"line": result.line, "field": name, "message": str(message)}
        for result in results
        for name, messages in result.errors.items()
        for message in messages
    ]


def _reload(job: ImportJob) -> ImportJob:
    job.refresh_from_db()
    return job
