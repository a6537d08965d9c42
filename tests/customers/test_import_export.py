"""Customers in and out of files: a dry run with an error per row, an import
of the good rows only, idempotent re-runs, and exports a spreadsheet opens
safely (BOM, formulas kept as text)."""

import csv
import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from customers.imports.jobs import (
    INLINE_BYTES,
    import_job_check,
    import_job_confirm,
    import_job_create,
    import_job_run,
)
from customers.models import Customer, ImportJob, ImportState
from customers.tasks import check_import, run_import
from outlets.errors import StateConflict

from ..conftest import NOON, make_customer, make_staff

pytestmark = pytest.mark.django_db

HEADER = "name,phone,cooperation_start,tier,needs,account_manager,referred_by\n"


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode("utf-8")


def _checked(outlet, by, content: bytes, name="book.csv") -> ImportJob:
    job = import_job_create(
        outlet=outlet,
        by=by,
        file_name=name,
        content=content,
        language="en",
        now=NOON,
    )
    return import_job_check(job_id=job.pk, now=NOON)


def _imported(job: ImportJob, by) -> ImportJob:
    import_job_confirm(job=job, by=by, now=NOON)
    return import_job_run(job_id=job.pk, now=NOON)


def _errors(job: ImportJob) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for error in job.errors:
        found.setdefault(error["line"], set()).add(error["field"])
    return found


@pytest.fixture
def bad_file(outlet_a, outlet_b, courier_a, account_manager_a):
    make_customer(outlet_a, name="Already here", phone="+8613900000001")
    other = make_staff("am_b", "account_manager", outlet_b)
    return _csv(
        "Good One,13912340001,2026-10-01,key,cold_chain,am_a,",  # line 2
        "Long Phone,139123400021,2026-10-01,,,,",  # 3: twelve digits
        "Bad Tier,13912340003,2026-10-01,platinum,,,",  # 4
        "Bad Need,13912340004,2026-10-01,,teleport,,",  # 5
        "Known Phone,13900000001,2026-10-01,,,,",  # 6: in the outlet
        "Twice,13912340001,2026-10-01,,,,",  # 7: line 2's phone
        f"Courier Looks After,13912340007,2026-10-01,,,{courier_a.username},",  # 8
        f"Other Outlet,13912340008,2026-10-01,,,{other.username},",  # 9
        "Good Two,13912340009,2026/10/02,Regular customer,fragile; valuables,,"
        "13912340001",  # 10: referred by line 2
    )


def test_the_dry_run_reports_an_error_per_row_and_writes_no_customer(
    manager_a, outlet_a, bad_file
):
    job = _checked(outlet_a, manager_a, bad_file)
    assert job.state == ImportState.CHECKED
    assert (job.rows_total, job.rows_good, job.rows_bad) == (9, 2, 7)
    assert _errors(job) == {
        3: {"phone"},
        4: {"tier"},
        5: {"needs"},
        6: {"phone"},
        7: {"phone"},
        8: {"account_manager"},
        9: {"account_manager"},
    }
    assert Customer.objects.count() == 1  # only the one already there


def test_a_twelve_digit_phone_is_named_with_its_line_and_field(manager_a, outlet_a):
    job = _checked(outlet_a, manager_a, _csv("Long Phone,139123456789,2026-10-01"))
    assert job.errors == [
        {"line": 2, "field": "phone", "message": "Not a valid phone number."}
    ]


def test_a_duplicate_in_the_file_names_the_first_line(manager_a, outlet_a):
    job = _checked(
        outlet_a,
        manager_a,
        _csv("A,13912340001,2026-10-01", "B,+86 139 1234 0001,2026-10-01"),
    )
    message = "The same phone as line 2 of this file."
    assert job.errors == [{"line": 3, "field": "phone", "message": message}]


def test_the_import_creates_only_the_good_rows_and_reports_the_others(
    manager_a, account_manager_a, outlet_a, bad_file
):
    job = _imported(_checked(outlet_a, manager_a, bad_file), manager_a)
    assert job.state == ImportState.DONE
    assert (job.rows_created, job.rows_bad) == (2, 7)
    assert set(_errors(job)) == {3, 4, 5, 6, 7, 8, 9}
    one = Customer.objects.get(name="Good One")
    two = Customer.objects.get(name="Good Two")
    assert (one.tier, one.account_manager, one.outlet) == (
        "key",
        account_manager_a,
        outlet_a,
    )
    assert sorted(two.needs.values_list("need", flat=True)) == ["fragile", "valuables"]
    assert (two.tier, two.referred_by, str(two.cooperation_start)) == (
        "regular",
        one,
        "2026-10-02",
    )


def test_running_the_same_file_again_reports_duplicates_and_doubles_nothing(
    manager_a, outlet_a, bad_file
):
    _imported(_checked(outlet_a, manager_a, bad_file), manager_a)
    again = _checked(outlet_a, manager_a, bad_file)
    assert again.rows_good == 0
    rerun = _imported(_checked(outlet_a, manager_a, bad_file), manager_a)
    assert rerun.rows_created == 0
    assert {2, 10} <= set(_errors(again))
    assert Customer.objects.filter(name="Good One").count() == 1
    assert Customer.objects.count() == 3


def test_a_confirmed_job_is_imported_once_even_if_run_twice(manager_a, outlet_a):
    job = _checked(outlet_a, manager_a, _csv("A,13912340001,2026-10-01"))
    _imported(job, manager_a)
    assert import_job_run(job_id=job.pk, now=NOON).rows_created == 1
    with pytest.raises(StateConflict):
        import_job_confirm(job=job, by=manager_a, now=NOON)
    assert Customer.objects.count() == 1


def test_an_excel_file_reads_numbers_and_dates_as_they_were_typed(manager_a, outlet_a):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "phone", "cooperation_start", "needs"])
    sheet.append(["Excel Farm", 13912340001, datetime(2026, 9, 30), "cold_chain"])
    out = io.BytesIO()
    book.save(out)
    job = _imported(
        _checked(outlet_a, manager_a, out.getvalue(), name="book.xlsx"), manager_a
    )
    assert job.rows_created == 1, job.errors
    customer = Customer.objects.get(name="Excel Farm")
    assert (str(customer.phone), str(customer.cooperation_start)) == (
        "+8613912340001",
        "2026-09-30",
    )


def test_a_gbk_file_with_chinese_headers_from_a_chinese_excel_is_read(
    manager_a, outlet_a
):
    content = (
        "客户名称,电话,合作开始日期,需求\n王芳鲜果,13912340001,2026-10-01,生鲜冷链\n"
    )
    job = _checked(outlet_a, manager_a, content.encode("gb18030"))
    assert (job.rows_good, job.errors) == (1, [])


def test_a_file_without_the_required_columns_fails_as_a_whole(manager_a, outlet_a):
    job = _checked(outlet_a, manager_a, b"name,company\nA,B\n")
    assert job.state == ImportState.FAILED
    assert "phone" in job.failure


def test_a_file_that_is_neither_csv_nor_excel_is_refused_naming_the_file(
    manager_a, outlet_a
):
    from outlets.errors import DomainError

    with pytest.raises(DomainError) as refused:
        import_job_create(
            outlet=outlet_a,
            by=manager_a,
            file_name="book.pdf",
            content=b"%PDF",
            language="en",
            now=NOON,
        )
    assert "file" in refused.value.fields


# --- Export -------------------------------------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("http://evil.example","Click")',
    "company": "+cmd|' /C calc'!A0",
    "contact_person": "@SUM(A1:A2)",
    "address": "-2+3",
}


@pytest.fixture
def formula_customer(outlet_a):
    return make_customer(outlet_a, phone="+8613912340001", **FORMULAS)


def test_the_csv_export_starts_with_a_bom_and_keeps_formulas_as_text(
    client, manager_a, formula_customer
):
    client.force_login(manager_a)
    response = client.get("/customers/export/?format=csv")
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1
    for column, value in FORMULAS.items():
        assert rows[0][column] == "'" + value
    assert rows[0]["phone"] == "13912340001"


def test_the_excel_export_keeps_formulas_as_text(client, manager_a, formula_customer):
    client.force_login(manager_a)
    response = client.get("/customers/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = {header[i]: cell for i, cell in enumerate(sheet[2])}
    for column, value in FORMULAS.items():
        assert row[column].data_type == "s"
        assert row[column].value == "'" + value


def test_an_export_imports_back_elsewhere_and_is_all_duplicates_at_home(
    client, manager_a, outlet_a, outlet_b, hq_admin, formula_customer
):
    make_customer(outlet_a, name="王芳鲜果", needs=["cold_chain", "fragile"])
    client.force_login(manager_a)
    content = b"".join(client.get("/customers/export/?format=csv").streaming_content)
    home = _checked(outlet_a, manager_a, content)
    assert (home.rows_good, home.rows_bad) == (0, 2)
    elsewhere = _imported(_checked(outlet_b, hq_admin, content), hq_admin)
    assert elsewhere.rows_created == 2, elsewhere.errors
    moved = Customer.objects.get(outlet=outlet_b, name=FORMULAS["name"])
    assert moved.company == FORMULAS["company"]
    fruit = Customer.objects.get(outlet=outlet_b, name="王芳鲜果")
    assert sorted(fruit.needs.values_list("need", flat=True)) == [
        "cold_chain",
        "fragile",
    ]


def test_the_export_follows_the_lists_filters_and_the_users_outlet(
    client, manager_a, manager_b, outlet_a, outlet_b
):
    make_customer(outlet_a, name="Cold One", needs=["cold_chain"])
    make_customer(outlet_a, name="Plain One")
    make_customer(outlet_b, name="Elsewhere", needs=["cold_chain"])
    client.force_login(manager_a)
    raw = b"".join(
        client.get("/customers/export/?need=cold_chain&format=csv").streaming_content
    )
    rows = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    names = [row["name"] for row in rows]
    assert names == ["Cold One"]


# --- Pages --------------------------------------------------------------------


def _upload(client, content: bytes, name: str = "book.csv"):
    return client.post(
        "/customers/import/", {"file": SimpleUploadedFile(name, content)}
    )


def test_a_manager_previews_then_confirms_a_small_file_on_the_pages(
    client, manager_a, outlet_a
):
    client.force_login(manager_a)
    response = _upload(
        client, _csv("Page Farm,13912340001,2026-10-01", "Bad,12,2026-10-01")
    )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/customers/import/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Not a valid phone number." in page
    assert f'action="/customers/import/{job.pk}/confirm/"' in page
    assert not Customer.objects.exists()
    client.post(f"/customers/import/{job.pk}/confirm/")
    assert list(Customer.objects.values_list("name", flat=True)) == ["Page Farm"]
    progress = client.get(f"/customers/import/{job.pk}/progress/").json()
    assert progress["state"] == "done"
    assert (progress["rows_created"], progress["rows_bad"]) == (1, 1)


def test_a_large_file_is_checked_and_imported_by_the_worker_with_progress(
    client, manager_a, outlet_a, django_capture_on_commit_callbacks
):
    lines = [f"Farm {n},139{n:08d},2026-10-01" for n in range(1, 3001)]
    content = _csv(*lines)
    assert len(content) > INLINE_BYTES
    client.force_login(manager_a)
    with django_capture_on_commit_callbacks() as queued:
        _upload(client, content)
    job = ImportJob.objects.get()
    assert len(queued) == 1 and job.state == ImportState.CHECKING
    page = client.get(f"/customers/import/{job.pk}/").content.decode()
    assert "data-import-progress" in page and "import-progress.js" in page
    assert client.get(f"/customers/import/{job.pk}/progress/").json()["running"]
    check_import(job.pk)  # what the worker runs
    job.refresh_from_db()
    assert (job.state, job.rows_done, job.rows_good) == ("checked", 3000, 3000)
    with django_capture_on_commit_callbacks() as queued:
        client.post(f"/customers/import/{job.pk}/confirm/")
    assert len(queued) == 1
    assert run_import(job.pk) == 3000
    assert Customer.objects.count() == 3000


def test_account_managers_and_couriers_may_not_import_or_export(
    client, account_manager_a, courier_a
):
    for user in (account_manager_a, courier_a):
        client.force_login(user)
        assert client.get("/customers/import/").status_code == 403
        assert client.get("/customers/export/?format=csv").status_code == 403


def test_another_outlets_import_is_not_found(client, manager_a, manager_b, outlet_a):
    job = _checked(outlet_a, manager_a, _csv("A,13912340001,2026-10-01"))
    client.force_login(manager_b)
    assert client.get(f"/customers/import/{job.pk}/").status_code == 404
    assert client.get(f"/customers/import/{job.pk}/progress/").status_code == 404
    assert client.post(f"/customers/import/{job.pk}/confirm/").status_code == 404
