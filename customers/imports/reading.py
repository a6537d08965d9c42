"""A customer file (CSV or Excel) as numbered rows of text, by column."""

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from customers.imports.columns import REQUIRED, header_names, normal

FORMATS = ("csv", "xlsx")
# 20,000 customers is several outlets' books; a bigger file is a mistake.
MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
# What a spreadsheet reads as a formula; our export prefixes such a cell with
# an apostrophe, which the import takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = tuple[int, dict[str, str]]


class FileProblem(Exception):
    """The file as a whole cannot be read: no rows are checked."""


def file_format(file_name: str) -> str:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in FORMATS:
        raise FileProblem(_("Upload a .csv or .xlsx file."))
    return extension


def read_rows(content: bytes, file_format: str) -> list[Row]:
    """The rows after the header, each with its line number in the file;
    blank rows are left out, columns the product does not know are ignored."""
    cells = _xlsx_cells(content) if file_format == "xlsx" else _csv_cells(content)
    header = next(cells, None)
    if header is None:
        raise FileProblem(_("The file is empty."))
    columns = _columns(header)
    rows = []
    for line, values in enumerate(cells, start=2):
        row = {column: _text(values[i]) for i, column in columns if i < len(values)}
        if any(row.values()):
            rows.append((line, row))
        if len(rows) > MAX_ROWS:
            raise FileProblem(
                _("The file has more than %(max)s rows.") % {"max": MAX_ROWS}
            )
    return rows


def _columns(header) -> list[tuple[int, str]]:
    names = header_names()
    columns = [
        (i, names[key])
        for i, cell in enumerate(header)
        if (key := normal(_text(cell))) in names
    ]
    missing = [c for c in REQUIRED if c not in {column for _i, column in columns}]
    if missing:
        raise FileProblem(
            _("The header row lacks the column(s): %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    return columns


def _csv_cells(content: bytes) -> Iterator[list]:
    # Excel in China saves CSV as GBK (GB18030 contains it); everyone else, UTF-8.
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as error:
            raise FileProblem(_("The file is not UTF-8 or GBK text.")) from error
    return iter(csv.reader(io.StringIO(text, newline="")))


def _xlsx_cells(content: bytes) -> Iterator[tuple]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise FileProblem(_("The file is not an Excel workbook.")) from error
    return book.active.iter_rows(values_only=True)


def _text(value) -> str:
    """A cell as the text a person typed: Excel stores phones as numbers and
    dates as datetimes."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text
