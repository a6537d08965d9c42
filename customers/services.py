"""State changes of customers: creation, the customer file, tiers."""

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, F, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from outlets.errors import DomainError, NotAllowed
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
    _check_referrer(customer)
    _check_needs_file(customer, needs or [Need.ORDINARY])
    _check_customer(customer)
    customer.save()
    customer_set_needs(customer=customer, needs=needs or [Need.ORDINARY])
    CustomerHabits.objects.create(customer=customer)
    return customer


def _is_account_manager(staff: Staff | None) -> bool:
    return staff is not None and staff.role == Role.ACCOUNT_MANAGER


OFFICE_ROLES = (Role.OUTLET_MANAGER, Role.ACCOUNT_MANAGER)


def office_staff(outlet: Outlet):
    """Who may look after a customer of ``outlet``: its active office staff."""
    return Staff.objects.filter(
        outlet=outlet, role__in=OFFICE_ROLES, is_active=True
    ).order_by("last_name", "first_name", "username")


def office_staff_anywhere():
    """HQ picks the outlet and the account manager on one form."""
    return (
        Staff.objects.filter(role__in=OFFICE_ROLES, is_active=True)
        .select_related("outlet")
        .order_by("outlet__code", "last_name", "first_name", "username")
    )


def _check_account_manager(staff: Staff, outlet: Outlet) -> None:
    if not office_staff(outlet).filter(pk=staff.pk).exists():
        raise DomainError(
            _("The account manager must be office staff of this outlet."),
            fields={"account_manager": [_("Not office staff of this outlet.")]},
        )


def _check_customer(customer: Customer) -> None:
    """The model's own rules, with a phone already in the outlet named as such."""
    customer.full_clean(validate_constraints=False)
    taken = Customer.objects.filter(outlet_id=customer.outlet_id, phone=customer.phone)
    if taken.exclude(pk=customer.pk).exists():
        raise DomainError(
            _("Another customer of this outlet has this phone."),
            fields={"phone": [_("Another customer of this outlet has this phone.")]},
        )
    customer.validate_constraints()


# What the office may change on a customer: the book's columns. The tier and
# the volume are computed, the outlet is where the customer is served.
# What the customer's needs set for every shipment of theirs.
NEEDS_FIELDS = (
    "cold_temperature_min_c",
    "cold_temperature_max_c",
    "cold_humidity_min_pct",
    "cold_humidity_max_pct",
    "guarantee_48h",
    "promised_delivery",
)
CUSTOMER_FIELDS = (
    "name",
    "company",
    "contact_person",
    "phone",
    "address",
    "account_manager",
    "cooperation_start",
    "referred_by",
    "preferred_channel",
    "language",
    "quiet_hours_start",
    "quiet_hours_end",
    *NEEDS_FIELDS,
)


@transaction.atomic
def customer_update(
    *, customer: Customer, by: Staff | None, needs: list[str] | None = None, **changes
) -> Customer:
    """Change the customer's book entry; only the fields given change.

    Page and API alike: the account manager must be office staff of the
    customer's outlet, the referrer another customer of it, the phone free.
    """
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise DomainError(
            _("Unknown customer field."),
            fields={name: [_("Not a customer field.")] for name in sorted(unknown)},
        )
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    for name, value in changes.items():
        setattr(customer, name, value)
    if changes.get("account_manager") is not None:
        _check_account_manager(changes["account_manager"], customer.outlet)
    _check_referrer(customer)
    current = [row.need for row in CustomerNeed.objects.filter(customer=customer)]
    _check_needs_file(customer, current if needs is None else needs or [])
    _check_customer(customer)
    customer.save()
    if needs is not None:
        customer_set_needs(customer=customer, needs=needs or [Need.ORDINARY])
    return customer


def _check_needs_file(customer: Customer, needs: list[str]) -> None:
    """The cold-chain range and promises belong to the needs that use them."""
    errors: dict[str, list] = {}
    cold = Need.COLD_CHAIN in needs
    for low, high in (
        ("cold_temperature_min_c", "cold_temperature_max_c"),
        ("cold_humidity_min_pct", "cold_humidity_max_pct"),
    ):
        lowest, highest = getattr(customer, low), getattr(customer, high)
        if (lowest is None) != (highest is None):
            errors[high] = [_("Give both ends of the range.")]
        elif lowest is not None and not cold:
            errors[low] = [_("Only for cold-chain customers.")]
        elif lowest is not None and lowest > highest:
            errors[high] = [_("Must not be below the lowest.")]
    if customer.guarantee_48h and not cold:
        errors["guarantee_48h"] = [_("Only for cold-chain customers.")]
    if customer.promised_delivery and Need.TIME_SENSITIVE not in needs:
        errors["promised_delivery"] = [_("Only for time-sensitive customers.")]
    if errors:
        raise DomainError(_("The needs do not allow this."), fields=errors)


def _check_referrer(customer: Customer) -> None:
    referrer = customer.referred_by
    if referrer is None:
        return
    if referrer.pk == customer.pk or referrer.outlet_id != customer.outlet_id:
        raise DomainError(
            _("The referrer must be another customer of this outlet."),
            fields={"referred_by": [_("Not another customer of this outlet.")]},
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
    # Row by row (five at most), so the audit trail records each need added.
    for need in sorted(set(needs)):
        CustomerNeed.objects.get_or_create(customer=customer, need=need)


def customer_add_note(
    *, customer: Customer, author: Staff | None, text: str, noted_on: date
) -> CustomerNote:
    if not text.strip():
        raise DomainError(_("A note needs text."), fields={"text": [_("Required.")]})
    return CustomerNote.objects.create(
        customer=customer, author=author, text=text.strip(), noted_on=noted_on
    )


@transaction.atomic
def customer_note_update(
    *,
    note: CustomerNote,
    by: Staff,
    text: str | None = None,
    noted_on: date | None = None,
) -> CustomerNote:
    """Correct a note: its author may, and a manager (outlet or HQ) may."""
    if note.author_id != by.pk and not _is_manager(by):
        raise NotAllowed(_("Only the note's author or a manager may change it."))
    note = CustomerNote.objects.select_for_update().get(pk=note.pk)
    if text is not None:
        if not text.strip():
            raise DomainError(
                _("A note needs text."), fields={"text": [_("Required.")]}
            )
        note.text = text.strip()
    if noted_on is not None:
        note.noted_on = noted_on
    note.full_clean()
    note.save(update_fields=["text", "noted_on"])
    return note


def _is_manager(staff: Staff) -> bool:
    return staff.is_superuser or staff.role in (Role.HQ_ADMIN, Role.OUTLET_MANAGER)


@transaction.atomic
def tiers_set_from_volume(*, volume: Subquery, now: datetime) -> tuple[int, int]:
    """Store each customer's monthly volume and move those whose tier changes.

    ``volume`` is a subquery of the customer's parcels (counted by shipments,
    the floor above): customers stores it and never reads shipments itself.

    1. One UPDATE stores each customer's volume.
    2. One SELECT finds, in the database, the customers whose tier changes.
    3. One INSERT writes their history rows; one UPDATE per new tier moves them.
    Nothing here runs a query per customer. Answers (customers, changed).
    """
    total = Customer.objects.update(
        monthly_volume=Coalesce(volume, Value(0)), tier_computed_at=now
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
    return total, len(changes)


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
    # Saved row by row (there is one), so the audit trail says who revoked it.
    live = ProgressLink.objects.select_for_update().filter(
        customer=customer, revoked_at=None
    )
    for link in live:
        link.revoked_at = now
        link.save(update_fields=["revoked_at"])
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
