"""Files a spreadsheet opens safely: CSV (UTF-8 with BOM) and Excel (.xlsx).

A cell that starts like a formula (``= + - @``, a tab or a carriage return) is
run by Excel or WPS when the file is opened ("CSV injection"): a customer
named ``=HYPERLINK(...)`` would become a link in the manager's export. Every
export writes its cells through ``safe_cell``, which keeps such text as text
by prefixing an apostrophe (OWASP's advice); numbers and dates pass unchanged.
The BOM makes Excel read the CSV as UTF-8, so Chinese names survive.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.encoding import escape_uri_path
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """``value`` as a cell that is shown, never evaluated."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    return [safe_cell(value) for value in values]


class _Line:
    """A file-like that hands back what ``csv.writer`` wrote for one row."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text, BOM first, one row at a time (for a streaming response)."""
    writer = csv.writer(_Line())
    yield BOM
    for row in rows:
        yield writer.writerow(safe_row(row))


def xlsx_bytes(rows: Iterable[Sequence], *, title: str = "Sheet") -> bytes:
    """A one-sheet workbook of ``rows``; every text cell stays text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    # openpyxl itself stores a string starting with "=" as a formula.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return safe_cell(value.isoformat())  # Excel has no time zones
    if isinstance(value, date | int | float):
        return value
    return safe_cell(str(value) if value is not None else "")


def csv_response(rows: Iterable[Sequence], filename: str) -> HttpResponse:
    """A CSV download of ``rows``: BOM first, every cell through ``safe_cell``.

    The whole file at once, for reports; a book of thousands of rows streams
    ``csv_chunks`` instead (``csv_streaming_response``).
    """
    response = HttpResponse("".join(csv_chunks(rows)), content_type=CSV_TYPE)
    response["Content-Disposition"] = attachment(filename)
    return response


def csv_streaming_response(
    rows: Iterable[Sequence], filename: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = attachment(filename)
    return response


def xlsx_response(
    rows: Iterable[Sequence], filename: str, *, title: str = "Sheet"
) -> HttpResponse:
    """An Excel download of ``rows``, every text cell kept as text."""
    response = HttpResponse(xlsx_bytes(rows, title=title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment(filename)
    return response


def attachment(filename: str) -> str:
    """A Content-Disposition for any name: ASCII fallback, UTF-8 (RFC 6266) too."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_")
    fallback = fallback.replace('"', "_").replace("\\", "_")
    return (
        f'attachment; filename="{fallback}"; '
        f"filename*=UTF-8''{escape_uri_path(filename)}"
    )
