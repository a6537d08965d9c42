"""The audit trail export for HQ (and an outlet manager, for their outlet)."""

from django.http.response import HttpResponseBase
from django.utils import timezone

from lib.spreadsheets import csv_streaming_response, xlsx_response
from outlets.access import Capability, requires
from outlets.requests import StaffRequest

from .audit import audit_rows


@requires(Capability.SEE_AUDIT_TRAIL)
def audit_export(request: StaffRequest) -> HttpResponseBase:
    name = f"audit-trail-{timezone.localdate():%Y%m%d}"
    rows = audit_rows(request.user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(rows, f"{name}.xlsx", title="audit")
    return csv_streaming_response(rows, f"{name}.csv")
