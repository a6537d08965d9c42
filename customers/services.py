"""State changes of customers: creation, the customer file, tiers."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outlets.errors import DomainError
from outlets.models import Outlet, Role, Staff

from .models import (
    Customer,
    CustomerHabits,
    CustomerNeed,
    CustomerNote,
    Need,
    ProgressLink,
    TierChange,
    TierThresholds,
)
from .tenure import add_months


def thresholds() -> TierThresholds:
    return TierThresholds.objects.order_by("pk").first() or TierThresholds()


@transaction.atomic
def customer_create(
    *,
    outlet: Outlet,
    name: str,
    phone: str,
    cooperation_start: date,
    needs: list[str] | None = None,
    created_by: Staff | None = None,
    **fields,
) -> Customer:
    """A new customer; an account manager who creates one, naming no other,
    looks after it (otherwise it would be theirs to create and not to see)."""
    if fields.get("account_manager") is None and _is_account_manager(created_by):
        fields["account_manager"] = created_by
    account_manager = fields.get("account_manager")
    if account_manager is not None:
        _check_account_manager(account_manager, outlet)
    customer = Customer(
        outlet=outlet,
        name=name,
        phone=phone,
        cooperation_start=cooperation_start,
        **fields,
    )
    customer.full_clean()
    customer.save()
    customer_set_needs(customer=customer, needs=needs or [Need.ORDINARY])
    CustomerHabits.objects.create(customer=customer)
    return customer


def _is_account_manager(staff: Staff | None) -> bool:
    return staff is not None and staff.role == Role.ACCOUNT_MANAGER


def _check_account_manager(staff: Staff, outlet: Outlet) -> None:
    if staff.role != Role.ACCOUNT_MANAGER or staff.outlet_id != outlet.pk:
        raise DomainError(
            _("The account manager must be an account manager of this outlet."),
            fields={"account_manager": [_("Not an account manager of this outlet.")]},
        )


def customer_set_needs(*, customer: Customer, needs: list[str]) -> None:
    unknown = sorted(set(needs) - set(Need.values))
    if unknown:
        raise DomainError(
            _("Unknown need type."),
            fields={
                "needs": [
                    _("Unknown need type: %(need)s") % {"need": n} for n in unknown
                ]
            },
        )
    CustomerNeed.objects.filter(customer=customer).exclude(need__in=needs).delete()
    CustomerNeed.objects.bulk_create(
        [CustomerNeed(customer=customer, need=need) for need in set(needs)],
        ignore_conflicts=True,
    )


def customer_add_note(
    *, customer: Customer, author: Staff | None, text: str, noted_on: date
) -> CustomerNote:
    if not text.strip():
        raise DomainError(_("A note needs text."), fields={"text": [_("Required.")]})
    return CustomerNote.objects.create(
        customer=customer, author=author, text=text.strip(), noted_on=noted_on
    )


@dataclass(frozen=True)
class TierRecount:
    period_start: date
    period_end: date
    customers: int
    changed: int


def volume_period(now: datetime) -> tuple[datetime, datetime]:
    """The last complete calendar month before ``now``, in local time.

    A calendar month rather than a rolling 30 days: it is the month the outlet
    bills and reports by, so a customer's tier matches their invoice, and a
    tier cannot flap from one night to the next on a few days' swing.
    """
    this_month = timezone.localtime(now).date().replace(day=1)
    start = add_months(this_month, -1)
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tz),
        datetime.combine(this_month, time.min, tz),
    )


@transaction.atomic
def tiers_recompute(*, now: datetime) -> TierRecount:
    """Recompute every customer's tier from last month's parcel volume.

    1. One UPDATE stores each customer's volume (a correlated COUNT).
    2. One SELECT finds, in the database, the customers whose tier changes.
    3. One INSERT writes their history rows; one UPDATE per new tier moves them.
    Nothing here runs a query per customer.
    """
    from shipments.models import Shipment  # shipments depends on customers

    start, end = volume_period(now)
    volume = (
        Shipment.objects.filter(
            customer=OuterRef("pk"), created_at__gte=start, created_at__lt=end
        )
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    total = Customer.objects.update(
        monthly_volume=Coalesce(
            Subquery(volume, output_field=IntegerField()), Value(0)
        ),
        tier_computed_at=now,
    )
    changed = (
        Customer.objects.annotate(new_tier=thresholds().tier_of("monthly_volume"))
        .exclude(tier=F("new_tier"))
        .values_list("pk", "tier", "new_tier", "monthly_volume")
    )
    changes = [
        TierChange(customer_id=pk, from_tier=old, to_tier=new, volume=n, changed_at=now)
        for pk, old, new, n in changed
    ]
    TierChange.objects.bulk_create(changes, batch_size=1000)
    for to_tier in {change.to_tier for change in changes}:
        moved = [c.customer_id for c in changes if c.to_tier == to_tier]
        Customer.objects.filter(pk__in=moved).update(tier=to_tier)
    return TierRecount(start.date(), end.date(), total, len(changes))


def links_issued_since(now: datetime) -> datetime:
    """Links issued before this have expired (``PROGRESS_LINK_DAYS``)."""
    return now - timedelta(days=settings.PROGRESS_LINK_DAYS)


def live_links(now: datetime):
    """Progress links that open a board at ``now``: not revoked, not expired."""
    return ProgressLink.objects.filter(
        revoked_at=None, created_at__gte=links_issued_since(now)
    )


def _retire_expired(customer_ids: Iterable[int], now: datetime) -> None:
    # One live row per customer is a constraint: an expired one must be revoked
    # before its successor can be written.
    ProgressLink.objects.filter(
        customer_id__in=customer_ids,
        revoked_at=None,
        created_at__lt=links_issued_since(now),
    ).update(revoked_at=now)


def progress_link_for(customer: Customer, *, now: datetime) -> ProgressLink:
    """The customer's live progress link, made on first use or after expiry."""
    link = live_links(now).filter(customer=customer).first()
    if link:
        return link
    _retire_expired([customer.pk], now)
    link, _ = ProgressLink.objects.get_or_create(
        customer=customer,
        revoked_at=None,
        defaults={"token": secrets.token_urlsafe(32), "created_at": now},
    )
    return link


# Not a character a token (URL-safe base64) can hold, and kept as is by reverse().
TOKEN_SLOT = "~token~"


def progress_url(token: str) -> str:
    """The public address of a progress board, as it goes out in messages."""
    path = reverse("progress:board", args=[token])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def progress_urls(customer_ids: Iterable[int], *, now: datetime) -> dict[int, str]:
    """Each customer's progress board URL; links are made for those without one.

    ``progress_link_for`` for many customers, in two or three queries. The URL
    is reversed once, with a stand-in for the token: one ``reverse()`` costs
    more than the rest of a customer's row in a batch of messages.
    """
    wanted = set(customer_ids)
    live = _live_tokens(wanted, now)
    if missing := wanted - live.keys():
        _retire_expired(missing, now)
        ProgressLink.objects.bulk_create(
            [
                ProgressLink(
                    customer_id=pk, token=secrets.token_urlsafe(32), created_at=now
                )
                for pk in missing
            ],
            ignore_conflicts=True,
        )
        live |= _live_tokens(missing, now)
    url = progress_url(TOKEN_SLOT)
    return {pk: url.replace(TOKEN_SLOT, token) for pk, token in live.items()}


def _live_tokens(customer_ids: set[int], now: datetime) -> dict[int, str]:
    links = live_links(now).order_by()
    if connection.vendor == "postgresql":
        # One array parameter: ``__in`` prepares hundreds of ids one by one.
        quote = connection.ops.quote_name
        column = f"{quote(ProgressLink._meta.db_table)}.{quote('customer_id')}"
        links = links.filter(
            RawSQL(
                f"{column} = ANY(%s)",
                (list(customer_ids),),
                output_field=BooleanField(),
            )
        )
    else:
        links = links.filter(customer_id__in=customer_ids)
    return dict(links.values_list("customer_id", "token"))


@transaction.atomic
def progress_link_rotate(*, customer: Customer, now: datetime) -> ProgressLink:
    """Revoke the customer's link (the old URL shows nothing) and issue a new one."""
    ProgressLink.objects.filter(customer=customer, revoked_at=None).update(
        revoked_at=now
    )
    return progress_link_for(customer, now=now)


HABIT_FIELDS = (
    "pickup_window_start",
    "pickup_window_end",
    "days_unavailable",
    "prefers_parcel_locker",
    "packaging_preference",
)


@transaction.atomic
def customer_update_habits(*, customer: Customer, **changes) -> CustomerHabits:
    """Change the structured customer file; only the fields given change."""
    unknown = set(changes) - set(HABIT_FIELDS)
    if unknown:
        raise DomainError(
            _("Unknown habit."),
            fields={name: [_("Not a habit field.")] for name in sorted(unknown)},
        )
    habits, _created = CustomerHabits.objects.select_for_update().get_or_create(
        customer=customer
    )
    for name, value in changes.items():
        setattr(habits, name, value)
    _check_habits(habits)
    habits.save()
    return habits


def _check_habits(habits: CustomerHabits) -> None:
    start, end = habits.pickup_window_start, habits.pickup_window_end
    if (start is None) != (end is None) or (start and end and start >= end):
        raise DomainError(
            _("The preferred pickup window needs a start before its end."),
            fields={"pickup_window_end": [_("Must be after the start.")]},
        )
    days = habits.days_unavailable
    if not isinstance(days, list) or any(d not in range(7) for d in days):
        raise DomainError(
            _("Days are weekday numbers, 0 (Monday) to 6 (Sunday)."),
            fields={"days_unavailable": [_("Use weekday numbers 0 to 6.")]},
        )
    habits.days_unavailable = sorted(set(days))
