"""No phone number and no progress-board key in any log line.

The flow runs through the console handler settings.LOGGING installs, at
DEBUG, with SQL logged too: what an operator with LOG_LEVEL=DEBUG would read.
"""

import io
import json
import logging
import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from clocks.outbox import deliver_all
from clocks.sweep import clocks_sweep
from customers.models import ProgressLink
from customers.services import progress_link_for, progress_url
from lib.log_scrub import ScrubPersonalData, scrub
from shipments.models import InsuranceAnswer
from shipments.pickups.services import (
    pickup_accept,
    pickup_contact,
    pickup_enter,
    pickup_pick_up,
)
from shipments.problems.services import problem_report

from ..conftest import api_as, make_customer, make_pickup

pytestmark = pytest.mark.django_db(transaction=False)

# Not inside a longer run of digits (a savepoint id, a timestamp).
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
PROGRESS = re.compile(r"/p/(?!…|rotate/)[A-Za-z0-9_\-]+")
CONSOLE = {"BACKEND": "clocks.channels.ConsoleChannel"}


@pytest.fixture
def console_lines(settings):
    """What the configured handlers write during the test, at DEBUG."""
    settings.MESSAGE_CHANNELS = {"sms": CONSOLE, "wechat": CONSOLE, "staff": CONSOLE}
    root = logging.getLogger()
    ours = [h for h in root.handlers if _scrubs(h)]
    assert ours, "settings.LOGGING puts the filter on the console handler"
    buffer = io.StringIO()
    streams = [handler.setStream(buffer) for handler in ours]
    levels = {name: logging.getLogger(name).level for name in ("", "django")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    connection.force_debug_cursor = True  # SQL lines, parameters and all
    yield buffer
    connection.force_debug_cursor = False
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler, stream in zip(ours, streams, strict=True):
        handler.setStream(stream)


def _scrubs(handler: logging.Handler) -> bool:
    return any(isinstance(f, ScrubPersonalData) for f in handler.filters)


def test_a_full_demo_flow_logs_no_phone_and_no_progress_key(
    client, console_lines, outlet_a, courier_a, manager_a, account_manager_a
):
    call_command("seed_demo", force=True, history_scale=0.02, stdout=StringIO())
    now = timezone.now()
    customer = make_customer(outlet_a, name="王芳", cooperation_start=now.date())
    _pickup_to_shipment(client, customer, courier_a, now)
    _milestone_and_problem(customer, manager_a, now)
    _pages(client, customer, manager_a, account_manager_a, now)
    deliver_all(clock=lambda: now + timedelta(days=1), budget_seconds=600)
    clocks_sweep(now=now + timedelta(hours=4))

    lines = console_lines.getvalue().splitlines()
    assert len(lines) > 100 and any("sms to 1" in line for line in lines)
    tokens = set(ProgressLink.objects.values_list("token", flat=True))
    assert tokens
    leaks = [
        line
        for line in lines
        if PHONE.search(line) or PROGRESS.search(line) or any(t in line for t in tokens)
    ]
    assert not leaks, leaks[:3]


def _pickup_to_shipment(client, customer, courier, now) -> None:
    pickup = pickup_accept(
        pickup=make_pickup(customer, now=now), courier=courier, now=now
    )
    client.force_login(courier)
    client.get(f"/shipments/pickups/{pickup.pk}/")  # the call button's page
    pickup_contact(pickup=pickup, courier=courier, method="called", now=now)
    pickup_pick_up(
        pickup=pickup,
        courier=courier,
        pieces=1,
        weight_kg=Decimal("2"),
        insurance=InsuranceAnswer.NOT_NEEDED,
        now=now,
    )
    pickup_enter(pickup=pickup, waybill="SF7000000001", by=courier, now=now)


def _milestone_and_problem(customer, manager, now) -> None:
    event = {
        "waybill": "SF7000000001",
        "kind": "at_sorting_center",
        "occurred_at": (now - timedelta(minutes=5)).isoformat(),
    }
    api_as(manager).post(
        "/api/v1/shipments/events/",
        json.dumps([event]),
        content_type="application/json",
    )
    problem_report(
        customer=customer,
        kind="delay",
        description="客户 13912345678 说包裹晚了",
        reported_by=manager,
        now=now,
    )


def _pages(client, customer, manager, account_manager, now) -> None:
    url = progress_url(progress_link_for(customer, now=now).token)
    client.logout()
    client.get(url)  # the customer opens their board
    client.get("/p/no-such-token-but-long-enough-to-be-one/")  # logged as 404
    client.force_login(account_manager)
    client.get("/api/v1/customers/", {"search": "13800000001"})
    client.force_login(manager)
    client.get(f"/customers/{customer.pk}/")
    client.get("/service/")


def test_scrub_masks_phones_in_any_form_and_progress_keys():
    line = scrub("to +8613800138000 / 13912345678 at https://x.cn/p/AbC_d-123456/ ok")
    assert line == "to 138****8000 / 139****5678 at https://x.cn/p/…/ ok"


def test_a_record_with_a_phone_in_its_arguments_and_traceback_is_scrubbed():
    record = logging.LogRecord(
        "x", logging.ERROR, "f", 1, "call %s", ("13800138000",), None
    )
    try:
        raise ValueError("no answer from 13912345678")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    ScrubPersonalData().filter(record)
    text = logging.Formatter().format(record)
    assert "138****8000" in text and "139****5678" in text
    assert not PHONE.search(text)
