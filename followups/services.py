"""Follow-up transitions: create (one or many, idempotently), complete,
reschedule, decline, cancel, reassign.

Every page, endpoint and task calls these. Each starts or stops the
follow-up's clock (SubjectType.FOLLOW_UP) in the same transaction, so an
overdue follow-up breaches and escalates through the sweep like any promise.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from clocks.models import ClockKind, SubjectType
from clocks.services import (
    Deadline,
    clock_for,
    clock_meet,
    clock_move_deadline,
    clock_set_responsible,
    clock_withdraw,
    clocks_start_until,
)
from customers.models import Channel, Customer
from lib.bounds import is_plausible_instant
from lib.inserts import insert_new
from outlets.access import Capability, may
from outlets.errors import DomainError, NotAllowed, StateConflict
from outlets.models import Role, Staff

from .models import (
    NOTE_LENGTH,
    FollowUp,
    FollowUpChannel,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpState,
)

# A follow-up is planned for the coming weeks or months; two years ahead is a
# typing error, and so is a time already past when someone plans it by hand.
LONGEST_AHEAD = timedelta(days=2 * 365)
GRACE = timedelta(minutes=5)

_FROM_PREFERRED: dict[str, str] = {
    Channel.SMS: FollowUpChannel.SMS,
    Channel.WECHAT: FollowUpChannel.WECHAT,
    Channel.PHONE: FollowUpChannel.PHONE,
}
# Planning a peak season together is a sit-down, not a text.
_VISIT_KINDS = {FollowUpKind.PEAK_SEASON_PLANNING}


class NewFollowUp(NamedTuple):
    customer_id: int
    outlet_id: int
    owner_id: int | None
    kind: str
    channel: str
    due_at: datetime
    source_key: str | None
    note: str = ""


_FIELDS = [
    "outlet",
    "customer",
    "owner",
    "kind",
    "channel",
    "state",
    "outcome",
    "due_at",
    "note",
    "result_note",
    "source_key",
    "created_at",
    "created_by",
]


@transaction.atomic
def follow_ups_create(
    *, rows: Iterable[NewFollowUp], now: datetime, created_by_id: int | None = None
) -> list[int]:
    """Create follow-ups in bulk; rows whose ``source_key`` exists are skipped.

    1. Rows repeating a source key within the batch are dropped (first wins).
    2. One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (``lib.inserts``), so
       two generators running at once never create the same follow-up twice.
    3. Each new follow-up's clock starts with the follow-up's due time.
    Returns the new follow-ups' ids.
    """
    rows = _unique_keys(rows)
    values = [
        (
            *(r.outlet_id, r.customer_id, r.owner_id, r.kind, r.channel),
            *(FollowUpState.OPEN, "", r.due_at, r.note[:NOTE_LENGTH], ""),
            *(r.source_key, now, created_by_id),
        )
        for r in rows
    ]
    created = insert_new(
        FollowUp, _FIELDS, values, ["id", "customer", "owner", "due_at"]
    )
    _start_clocks(created, now)
    return [pk for pk, *_ in created]


def _unique_keys(rows: Iterable[NewFollowUp]) -> list[NewFollowUp]:
    seen, kept = set(), []
    for row in rows:
        if row.source_key is None or row.source_key not in seen:
            kept.append(row)
            seen.add(row.source_key)
    return kept


def _start_clocks(created: list[tuple], now: datetime) -> None:
    customers = Customer.objects.only("pk", "outlet_id", "tier").in_bulk(
        {customer_id for _, customer_id, _, _ in created}
    )
    clocks_start_until(
        kind=ClockKind.FOLLOW_UP,
        subject_type=SubjectType.FOLLOW_UP,
        subjects=[
            Deadline(pk, customers[customer_id], owner_id, due_at)
            for pk, customer_id, owner_id, due_at in created
        ],
        now=now,
    )


def default_channel(customer: Customer, kind: str) -> str:
    if kind in _VISIT_KINDS:
        return FollowUpChannel.VISIT
    return _FROM_PREFERRED.get(customer.preferred_channel, FollowUpChannel.PHONE)


def default_owner_id(customer: Customer) -> int | None:
    """The customer's account manager, else an active manager of their outlet."""
    return default_owner_ids([customer])[customer.pk]


def default_owner_ids(customers: Iterable[Customer]) -> dict[int, int | None]:
    """``default_owner_id`` for many customers in two queries."""
    customers = list(customers)
    active = set(
        Staff.objects.filter(
            pk__in={c.account_manager_id for c in customers if c.account_manager_id},
            is_active=True,
        ).values_list("pk", flat=True)
    )
    managers = {}
    for outlet_id, pk in (
        Staff.objects.filter(
            outlet__in={c.outlet_id for c in customers},
            role=Role.OUTLET_MANAGER,
            is_active=True,
        )
        .order_by("-pk")
        .values_list("outlet_id", "pk")
    ):
        managers[outlet_id] = pk  # the longest-serving (lowest id) wins
    return {
        c.pk: c.account_manager_id
        if c.account_manager_id in active
        else managers.get(c.outlet_id)
        for c in customers
    }


@transaction.atomic
def follow_up_create(
    *,
    by: Staff | None,
    customer: Customer,
    kind: str,
    due_at: datetime,
    channel: str | None = None,
    owner: Staff | None = None,
    note: str = "",
    source_key: str | None = None,
    now: datetime,
) -> FollowUp:
    """Plan one follow-up (by hand, or by a generator with ``by`` None).

    An account manager plans for themselves; a manager may name any colleague
    of the outlet who works follow-ups. A ``source_key`` already used returns
    the follow-up it made.
    """
    if by is not None and not may(
        by, Capability.WORK_FOLLOW_UPS, outlet_id=customer.outlet_id
    ):
        raise NotAllowed()
    _check_kind_and_channel(kind, channel)
    _check_note(note, "note")
    if by is not None:
        _check_due(due_at, now)
    owner_id = _owner_for(by, customer, owner)
    row = NewFollowUp(
        customer.pk,
        customer.outlet_id,
        owner_id,
        kind,
        channel or default_channel(customer, kind),
        due_at,
        source_key,
        note,
    )
    created = follow_ups_create(
        rows=[row], now=now, created_by_id=by.pk if by is not None else None
    )
    if created:
        return FollowUp.objects.get(pk=created[0])
    return FollowUp.objects.get(source_key=source_key)


def _owner_for(by: Staff | None, customer: Customer, owner: Staff | None) -> int | None:
    if owner is None:
        if by is not None and by.role == Role.ACCOUNT_MANAGER:
            return by.pk
        return default_owner_id(customer)
    _check_owner(owner, customer.outlet_id)
    if by is not None and owner.pk != by.pk and not _manages(by, customer.outlet_id):
        raise NotAllowed(
            _("Only a manager plans follow-ups for someone else."),
            fields={"owner": [_("Only a manager plans follow-ups for someone else.")]},
        )
    return owner.pk


def _check_owner(owner: Staff, outlet_id: int) -> None:
    works = may(owner, Capability.WORK_FOLLOW_UPS, outlet_id=outlet_id)
    if not works or owner.outlet_id != outlet_id:
        message = _("Choose an active colleague of this outlet who works follow-ups.")
        raise DomainError(message, fields={"owner": [message]})


def _check_kind_and_channel(kind: str, channel: str | None) -> None:
    if kind not in FollowUpKind.values:
        message = _("Choose a kind of follow-up from the list.")
        raise DomainError(message, fields={"kind": [message]})
    if channel is not None and channel not in FollowUpChannel.values:
        message = _("Choose a channel from the list.")
        raise DomainError(message, fields={"channel": [message]})


def _check_note(text: str, field: str) -> None:
    if len(text) > NOTE_LENGTH:
        message = _("Keep it under %(limit)s characters.") % {"limit": NOTE_LENGTH}
        raise DomainError(message, fields={field: [message]})


def _check_due(due_at: datetime, now: datetime) -> None:
    """A time someone plans by hand: from now up to two years ahead."""
    if not is_plausible_instant(due_at) or not (
        now - GRACE <= due_at <= now + LONGEST_AHEAD
    ):
        message = _("Give a time from now up to two years ahead.")
        raise DomainError(message, fields={"due_at": [message]})


def _manages(by: Staff, outlet_id: int) -> bool:
    return may(by, Capability.MANAGE_FOLLOW_UPS, outlet_id=outlet_id)


def may_work_on(by: Staff, follow_up: FollowUp) -> bool:
    """Its owner, a manager of its outlet, or (while nobody owns it) the
    customer's account manager may close or move a follow-up."""
    if not may(by, Capability.WORK_FOLLOW_UPS, outlet_id=follow_up.outlet_id):
        return False
    if _manages(by, follow_up.outlet_id) or follow_up.owner_id == by.pk:
        return True
    return follow_up.owner_id is None and (
        follow_up.customer.account_manager_id == by.pk
    )


def _check_may_work_on(by: Staff | None, follow_up: FollowUp) -> None:
    if by is None or may_work_on(by, follow_up):
        return
    owner = follow_up.owner.display_name if follow_up.owner else "-"
    raise NotAllowed(
        _(
            "This follow-up is %(owner)s's: only they or a manager of the outlet "
            "may close, move or hand it on."
        )
        % {"owner": owner}
    )


def _close(
    follow_up: FollowUp,
    *,
    by: Staff | None,
    state: str,
    outcome: str,
    result_note: str,
    now: datetime,
) -> FollowUp:
    """Compare-and-set from open: of two closings at once, exactly one wins."""
    _check_may_work_on(by, follow_up)
    _check_note(result_note, "result_note")
    closed = FollowUp.objects.filter(pk=follow_up.pk, state=FollowUpState.OPEN).update(
        state=state,
        outcome=outcome,
        result_note=result_note,
        closed_at=now,
        closed_by=by,
    )
    if not closed:
        raise StateConflict(_("This follow-up is already closed."))
    clock = clock_for(SubjectType.FOLLOW_UP, follow_up.pk, ClockKind.FOLLOW_UP)
    if clock is not None:
        if state == FollowUpState.DONE:
            clock_meet(clock=clock, now=now)
        else:
            clock_withdraw(clock=clock)
    follow_up.refresh_from_db()
    return follow_up


@transaction.atomic
def follow_up_complete(
    *,
    follow_up: FollowUp,
    by: Staff | None,
    outcome: str,
    result_note: str = "",
    now: datetime,
) -> FollowUp:
    """The contact happened: record what came of it; the clock is met."""
    if outcome not in FollowUpOutcome.values:
        message = _("Choose what came of it.")
        raise DomainError(message, fields={"outcome": [message]})
    return _close(
        follow_up,
        by=by,
        state=FollowUpState.DONE,
        outcome=outcome,
        result_note=result_note,
        now=now,
    )


@transaction.atomic
def follow_up_decline(
    *, follow_up: FollowUp, by: Staff | None, result_note: str = "", now: datetime
) -> FollowUp:
    """It will not happen, for the reason given; the clock stops without a meet."""
    return _close(
        follow_up,
        by=by,
        state=FollowUpState.DECLINED,
        outcome="",
        result_note=result_note,
        now=now,
    )


@transaction.atomic
def follow_up_cancel(
    *, follow_up: FollowUp, by: Staff | None, result_note: str = "", now: datetime
) -> FollowUp:
    """Withdrawn by whoever planned it (a campaign called off, an opt-out)."""
    return _close(
        follow_up,
        by=by,
        state=FollowUpState.CANCELLED,
        outcome="",
        result_note=result_note,
        now=now,
    )


@transaction.atomic
def follow_up_reschedule(
    *,
    follow_up: FollowUp,
    by: Staff | None,
    due_at: datetime,
    result_note: str = "",
    outcome: str = "",
    now: datetime,
) -> FollowUp:
    """A new time agreed (or no answer yet): the deadline moves with it.

    The note (and an outcome such as "no answer") records why; the follow-up
    stays open, and its clock's deadline moves (clocks.clock_move_deadline).
    """
    _check_may_work_on(by, follow_up)
    _check_due(due_at, now)
    _check_note(result_note, "result_note")
    if outcome and outcome not in FollowUpOutcome.values:
        message = _("Choose what came of it.")
        raise DomainError(message, fields={"outcome": [message]})
    moved = FollowUp.objects.filter(pk=follow_up.pk, state=FollowUpState.OPEN).update(
        due_at=due_at, result_note=result_note, outcome=outcome
    )
    if not moved:
        raise StateConflict(_("This follow-up is already closed."))
    clock = clock_for(SubjectType.FOLLOW_UP, follow_up.pk, ClockKind.FOLLOW_UP)
    if clock is not None:
        clock_move_deadline(clock=clock, due_at=due_at, now=now)
    follow_up.refresh_from_db()
    return follow_up


@transaction.atomic
def follow_up_reassign(
    *, follow_up: FollowUp, by: Staff | None, owner: Staff, now: datetime
) -> FollowUp:
    """A manager hands an open follow-up to a colleague; reminders follow it."""
    if by is not None and not _manages(by, follow_up.outlet_id):
        raise NotAllowed()
    _check_owner(owner, follow_up.outlet_id)
    moved = FollowUp.objects.filter(pk=follow_up.pk, state=FollowUpState.OPEN).update(
        owner=owner
    )
    if not moved:
        raise StateConflict(_("This follow-up is already closed."))
    clock = clock_for(SubjectType.FOLLOW_UP, follow_up.pk, ClockKind.FOLLOW_UP)
    if clock is not None:
        clock_set_responsible(clock=clock, responsible_id=owner.pk)
    follow_up.refresh_from_db()
    return follow_up
