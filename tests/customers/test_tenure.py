from datetime import date

import pytest

from customers.models import Customer, Tenure
from customers.tenure import add_months, start_bounds, tenure_on

from ..conftest import make_customer

START = date(2025, 1, 31)


@pytest.mark.parametrize(
    ("day", "tenure"),
    [
        (date(2025, 4, 29), Tenure.NEW),  # the day before three months
        (date(2025, 4, 30), Tenure.STABLE),  # three months (31 Jan → 30 Apr)
        (date(2026, 1, 31), Tenure.STABLE),  # exactly twelve months
        (date(2026, 2, 1), Tenure.LOYAL),  # over twelve months
    ],
)
def test_tenure_changes_at_three_and_twelve_months(day, tenure):
    assert tenure_on(START, day) == tenure


def test_adding_months_clamps_to_the_end_of_a_short_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)


@pytest.mark.django_db
def test_tenure_filter_selects_the_same_customers_as_tenure_on(outlet_a):
    today = date(2026, 11, 18)
    starts = [
        date(2026, 8, 19),
        date(2026, 8, 18),
        date(2025, 11, 18),
        date(2025, 11, 17),
    ]
    for start in starts:
        make_customer(outlet_a, cooperation_start=start)
    for tenure in Tenure.values:
        in_db = set(
            Customer.objects.filter(**start_bounds(tenure, today)).values_list(
                "cooperation_start", flat=True
            )
        )
        assert in_db == {s for s in starts if tenure_on(s, today) == tenure}
