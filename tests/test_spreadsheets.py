"""lib/spreadsheets.py: what every export writes its cells through."""

import csv
import io
from datetime import date

from openpyxl import load_workbook

from lib.spreadsheets import (
    BOM,
    attachment,
    csv_response,
    csv_streaming_response,
    safe_cell,
    xlsx_bytes,
    xlsx_response,
)

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+2", "-1+2", "@SUM(A1)", "\tx", "\rx"]


def test_text_that_starts_like_a_formula_is_kept_as_text():
    assert [safe_cell(text) for text in FORMULAS] == ["'" + t for t in FORMULAS]


def test_numbers_dates_and_plain_text_pass_unchanged():
    assert safe_cell(-5) == -5
    assert safe_cell(date(2026, 11, 18)) == date(2026, 11, 18)
    assert safe_cell("王芳") == "王芳"
    assert safe_cell(None) == ""


def test_csv_response_starts_with_a_bom_and_neutralises_every_cell():
    response = csv_response([["name"], *([text] for text in FORMULAS)], "报表.csv")
    body = response.content.decode("utf-8")
    assert body.startswith(BOM)
    cells = [row[0] for row in csv.reader(io.StringIO(body[1:]))]
    assert cells[1:] == ["'" + text for text in FORMULAS]
    assert "filename*=UTF-8''%E6%8A%A5%E8%A1%A8.csv" in response["Content-Disposition"]


def test_streamed_csv_starts_with_a_bom_too():
    response = csv_streaming_response([["=1"]], "a.csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body == BOM + "'=1\r\n"


def test_xlsx_cells_that_start_like_a_formula_are_strings_not_formulas():
    response = xlsx_response([[text] for text in FORMULAS], "r.xlsx", title="R")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [row[0].value for row in sheet.iter_rows()]
    # XML reads a carriage return back as a newline; what matters is the quote.
    assert [value[:2] for value in values] == [
        "'" + text[0] for text in FORMULAS[:5]
    ] + ["'\n"]
    assert all(row[0].data_type == "s" for row in sheet.iter_rows())


def test_xlsx_keeps_numbers_as_numbers():
    sheet = load_workbook(io.BytesIO(xlsx_bytes([[3, 2.5, "王芳"]]))).active
    assert [cell.value for cell in next(sheet.iter_rows())] == [3, 2.5, "王芳"]


def test_attachment_name_has_an_ascii_fallback():
    assert attachment('a"b.csv').startswith('attachment; filename="a_b.csv"')
