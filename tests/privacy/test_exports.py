"""Every export opens in a spreadsheet as text: no formula runs, Chinese reads."""

import csv
import io

import pytest

from outlets.models import Role
from shipments.pickups.services import pickup_accept

from ..conftest import NOON, make_pickup, make_staff

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/","点这里")'


def _csv_rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # Excel on Chinese Windows reads UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def test_breach_report_keeps_a_formula_staff_name_as_text(
    client, manager_a, customer_a, outlet_a
):
    courier = make_staff("evil", Role.COURIER, outlet_a, last_name=HYPERLINK)
    pickup_accept(pickup=make_pickup(customer_a), courier=courier, now=NOON)
    client.force_login(manager_a)
    response = client.get(
        "/service/report/", {"from": "2026-11-18", "to": "2026-11-18", "format": "csv"}
    )
    labels = [row[1] for row in _csv_rows(response)]
    [name] = [label for label in labels if "HYPERLINK" in label]
    assert name.startswith("'=")
    assert not any(cell.startswith(("=", "+", "@")) for cell in labels)
