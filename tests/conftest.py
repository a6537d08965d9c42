"""Personas and factories shared by every test.

Two outlets, A and B. The personas: HQ admin; manager, account manager and
courier of outlet A; manager and courier of outlet B. Tests pass ``now`` in.
"""

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from customers.services import customer_create
from outlets.models import BusinessHours, Outlet, Role, Staff
from shipments.models import Shipment
from shipments.pickups.services import pickup_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday inside business hours, far from any public holiday.
NOON = datetime(2026, 11, 18, 12, 0, tzinfo=SHANGHAI)
_sequence = itertools.count(1)


@pytest.fixture(autouse=True)
def _english_and_fast_passwords(settings):
    settings.LANGUAGE_CODE = "en"
    # The production hasher costs ~0.3 s a user; personas are made in every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_outlet(code: str) -> Outlet:
    outlet = Outlet.objects.create(code=code, name=f"Outlet {code}")
    BusinessHours.objects.bulk_create(
        BusinessHours(outlet=outlet, weekday=day, opens=time(8, 0), closes=time(20, 0))
        for day in range(7)
    )
    return outlet


def make_staff(username: str, role: str, outlet: Outlet | None, **extra) -> Staff:
    return Staff.objects.create_user(
        username=username,
        password="pw-" + username,
        role=role,
        outlet=outlet,
        first_name=username,
        **extra,
    )


@pytest.fixture
def outlet_a(db):
    return make_outlet("A")


@pytest.fixture
def outlet_b(db):
    return make_outlet("B")


@pytest.fixture
def hq_admin(db):
    return make_staff("hq", Role.HQ_ADMIN, None)


@pytest.fixture
def manager_a(outlet_a):
    return make_staff("manager_a", Role.OUTLET_MANAGER, outlet_a)


@pytest.fixture
def account_manager_a(outlet_a):
    return make_staff("am_a", Role.ACCOUNT_MANAGER, outlet_a)


@pytest.fixture
def courier_a(outlet_a):
    return make_staff("courier_a", Role.COURIER, outlet_a, phone="13800000001")


@pytest.fixture
def manager_b(outlet_b):
    return make_staff("manager_b", Role.OUTLET_MANAGER, outlet_b)


@pytest.fixture
def courier_b(outlet_b):
    return make_staff("courier_b", Role.COURIER, outlet_b)


def make_customer(outlet: Outlet, **fields):
    n = next(_sequence)
    defaults = {
        "name": f"Customer {n}",
        "phone": f"+86138{n:08d}",
        "cooperation_start": date(2025, 1, 1),
    }
    defaults.update(fields)
    return customer_create(outlet=outlet, **defaults)


@pytest.fixture
def customer_a(outlet_a, account_manager_a):
    return make_customer(
        outlet_a, name="Fresh Fruit Co", account_manager=account_manager_a
    )


@pytest.fixture
def customer_b(outlet_b):
    return make_customer(outlet_b, name="Outlet B Customer")


def make_pickup(customer, now=NOON, **fields):
    return pickup_create(
        customer=customer,
        address="1 Test Road",
        window_start=now,
        window_end=now + timedelta(hours=2),
        now=now,
        **fields,
    )


def make_shipment(customer, *, created_at=NOON, **fields) -> Shipment:
    defaults = {
        "waybill": f"SF{next(_sequence):010d}",
        "weight_kg": Decimal("1.5"),
        "created_at": created_at,
    }
    defaults.update(fields)
    return Shipment.objects.create(
        customer=customer, outlet_id=customer.outlet_id, **defaults
    )


@pytest.fixture
def api():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
