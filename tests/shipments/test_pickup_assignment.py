"""Who may give a pickup to a courier is the service's rule, whatever the surface."""

import pytest

from clocks.models import Clock
from outlets.errors import NotAllowed
from outlets.models import Role
from shipments.pickups.services import pickup_accept
from tests.conftest import NOON, make_pickup, make_staff

pytestmark = pytest.mark.django_db


def test_the_outlet_manager_gives_a_pickup_to_a_courier_of_the_outlet(
    manager_a, courier_a, customer_a
):
    pickup = pickup_accept(
        pickup=make_pickup(customer_a), courier=courier_a, by=manager_a, now=NOON
    )

    assert pickup.courier == courier_a
    assert Clock.objects.get().responsible == courier_a


def test_a_courier_may_not_give_a_pickup_to_a_colleague(courier_a, customer_a):
    colleague = make_staff("courier_a2", Role.COURIER, customer_a.outlet)
    pickup = make_pickup(customer_a)

    with pytest.raises(NotAllowed) as refused:
        pickup_accept(pickup=pickup, courier=colleague, by=courier_a, now=NOON)

    assert "courier" in refused.value.fields
    pickup.refresh_from_db()
    assert pickup.courier is None
    assert not Clock.objects.exists()


def test_a_courier_takes_a_pickup_without_naming_anyone(courier_a, customer_a):
    pickup = pickup_accept(pickup=make_pickup(customer_a), courier=courier_a, now=NOON)

    assert pickup.courier == courier_a


def test_naming_oneself_is_assigning_too(courier_a, customer_a):
    with pytest.raises(NotAllowed):
        pickup_accept(
            pickup=make_pickup(customer_a), courier=courier_a, by=courier_a, now=NOON
        )
