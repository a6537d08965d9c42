"""Which policy a new clock gets: minutes, warning lead, counting, escalation."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_stubs_ext import StrOrPromise

from customers.models import Customer, Need, Tier
from lib.model_fields import max_length
from outlets.access import Capability, may
from outlets.errors import DomainError, NotAllowed
from outlets.models import Outlet, Staff

from .models import ClockKind, ClockPolicy, Counting

# Labels of the default policy rows (migration 0003): stored as data, shown
# through the catalogue, so they are marked here for makemessages.
DEFAULT_LABELS = (gettext_noop("Priority pickup"), gettext_noop("Dedicated service"))

# A promise longer than a month is a typing error (a policy of 10 years), and
# PostgreSQL's integer columns end at 2**31 - 1 minutes anyway.
MAX_MINUTES = 30 * 24 * 60


@dataclass(frozen=True)
class Standard:
    """A clock's limit by DOMAIN.md, and how its rules are filled in by default."""

    minutes: int
    warn_before_minutes: int
    counting: str
    escalate_after_minutes: int = 30


STANDARDS: dict[str, Standard] = {
    ClockKind.PICKUP_CONTACT: Standard(30, 5, Counting.BUSINESS_HOURS),
    ClockKind.PICKUP_ENTRY: Standard(30, 5, Counting.BUSINESS_HOURS),
    ClockKind.MILESTONE_PUSH: Standard(30, 5, Counting.CALENDAR),
    ClockKind.PROBLEM_RESPONSE: Standard(10, 2, Counting.CALENDAR),
    ClockKind.PROBLEM_SOLUTION: Standard(50, 10, Counting.CALENDAR),
    ClockKind.PROBLEM_REMEDY: Standard(180, 30, Counting.CALENDAR),
    ClockKind.COLD_CHAIN_ALARM: Standard(5, 1, Counting.CALENDAR),
    # A follow-up's deadline is its own due time (clocks_start_until); its rule
    # only sets the owner's reminder lead and how soon a breach escalates again.
    ClockKind.FOLLOW_UP: Standard(24 * 60, 60, Counting.CALENDAR, 24 * 60),
    # Delivery promises are due when promised (shipments.tracking.promises);
    # the rule sets the warning lead (an hour, two for 48 hours) and escalation.
    ClockKind.SAME_DAY: Standard(8 * 60, 60, Counting.CALENDAR),
    ClockKind.NEXT_MORNING: Standard(16 * 60, 60, Counting.CALENDAR),
    ClockKind.GUARANTEE_48H: Standard(48 * 60, 120, Counting.CALENDAR),
}


@dataclass(frozen=True)
class Applied:
    minutes: int
    warn_before_minutes: int
    counting: str
    escalate_after_minutes: int
    label: str = ""


def default_warning(kind: str, minutes: int) -> int:
    """The clock's standard warning lead scaled to ``minutes``, always before it.

    A 1-minute limit gets no lead (0): a lead equal to the limit would be
    refused, so "minutes only" must never default to one.
    """
    standard = STANDARDS[kind]
    scaled = round(minutes * standard.warn_before_minutes / standard.minutes)
    return max(0, min(max(scaled, 1), minutes - 1))


def filled_in(
    kind: str,
    minutes: int,
    current: ClockPolicy | None,
    *,
    warn_before_minutes: int | None,
    counting: str | None,
    escalate_after_minutes: int | None,
) -> tuple[int, str, int]:
    """(warning, counting, escalation) with the ones left out filled in.

    Left out means: as the rule of this scope has it now, else as the clock
    usually counts (business hours for the pickup clocks). So a manager who
    changes only the minutes of a business-hours rule keeps business hours. A
    kept warning that no longer comes before the new limit is scaled instead.
    """
    standard = STANDARDS[kind]
    if not counting:  # None or ""
        counting = current.counting if current else standard.counting
    if escalate_after_minutes is None:
        escalate_after_minutes = (
            current.escalate_after_minutes
            if current
            else standard.escalate_after_minutes
        )
    if warn_before_minutes is None:
        kept = current.warn_before_minutes if current else None
        if kept is not None and kept < minutes:
            warn_before_minutes = kept
        else:
            warn_before_minutes = default_warning(kind, minutes)
    return warn_before_minutes, counting, escalate_after_minutes


def general_minutes(
    rows: Iterable[ClockPolicy], kind: str, outlet_id: int | None
) -> int:
    """The general promise (any tier, any need) of ``kind`` at an outlet.

    The outlet's own general rule, else the network's, else the standard.
    ``outlet_id`` None asks for the network's.
    """
    general = [
        row
        for row in rows
        if row.kind == kind
        and not row.tier
        and not row.need
        and row.outlet_id in (None, outlet_id)
    ]
    own = [row for row in general if row.outlet_id is not None]
    chosen = own or general
    return chosen[0].minutes if chosen else STANDARDS[kind].minutes


def scope_name(tier: str, need: str) -> str:
    """The customers a rule is for, in words: "Key customer · Valuables"."""
    parts = [Tier(tier).label if tier else "", Need(need).label if need else ""]
    return " · ".join(str(part) for part in parts if part)


def mark_general_applies(rows: list[ClockPolicy], outlet_id: int | None) -> None:
    """Set ``general_minutes`` on each tier or need rule the general rule beats.

    Such a rule is shown with "general rule applies": its customers get the
    tighter general promise (see ``choose``). The general promise is the one of
    the outlet the row belongs to, or of the outlet being viewed.
    """
    for row in rows:
        where = row.outlet_id if row.outlet_id is not None else outlet_id
        general = general_minutes(rows, row.kind, where)
        looser = bool(row.tier or row.need) and row.minutes > general
        # For the page only (not fields).
        row.general_minutes = general if looser else None  # type: ignore[attr-defined]
        row.scope_name = scope_name(row.tier, row.need)  # type: ignore[attr-defined]


def policy_chooser(
    kind: str, outlet_ids: Iterable[int]
) -> Callable[[Customer, list[str]], Applied]:
    """The policy of each new clock of ``kind`` at these outlets, from one query.

    The rows of these outlets and the network's are loaded once; customers with
    the same outlet, tier and needs share one choice.
    """
    rows = list(
        ClockPolicy.objects.filter(kind=kind).filter(
            Q(outlet__in=set(outlet_ids)) | Q(outlet__isnull=True)
        )
    )
    chosen = {}

    def chooser(customer: Customer, needs: list[str]) -> Applied:
        key = (customer.outlet_id, customer.tier, tuple(sorted(needs)))
        if key not in chosen:
            chosen[key] = choose(rows, kind, customer, needs)
        return chosen[key]

    return chooser


def choose(
    rows: Iterable[ClockPolicy], kind: str, customer: Customer, needs: list[str]
) -> Applied:
    """The tightest promise among the rules that fit the customer.

    1. A rule fits if it is for this clock, the customer's outlet or the
       network, the customer's tier or any tier, one of their needs or any need.
    2. Per scope (tier, need) the outlet's own rule replaces the network's, so
       an outlet may relax or tighten the network's promise for its customers.
    3. Of the scopes left, the fewest minutes wins (minutes as written, whatever
       they count); on a tie the more specific rule. So a tier or need rule can
       only tighten the general promise: when an outlet tightens its general
       pickup contact to 1 minute, key customers get 1 minute too, not the 20 of
       their own rule, and an outlet that relaxes its general rule to 45 still
       leaves key customers their 20.
    4. The label is the winner's, else the most specific fitting rule's, so key
       customers keep their "Priority pickup" badge under a tighter general rule.
    No rule fits: DOMAIN.md's standard.
    """
    fits = [
        row
        for row in rows
        if row.kind == kind
        and row.outlet_id in (None, customer.outlet_id)
        and row.tier in ("", customer.tier)
        and row.need in ("", *needs)
    ]
    by_scope: dict[tuple[str, str], ClockPolicy] = {}
    for row in sorted(fits, key=lambda row: row.outlet_id is None):
        by_scope.setdefault((row.tier, row.need), row)
    if not by_scope:
        standard = STANDARDS[kind]
        return Applied(
            standard.minutes,
            standard.warn_before_minutes,
            standard.counting,
            standard.escalate_after_minutes,
        )
    scoped = sorted(by_scope.values(), key=_specificity)
    best = min(scoped, key=lambda row: row.minutes)
    label = best.label or next((row.label for row in scoped if row.label), "")
    return Applied(
        best.minutes,
        min(best.warn_before_minutes, best.minutes),
        best.counting,
        best.escalate_after_minutes,
        label,
    )


def _specificity(policy: ClockPolicy) -> tuple[int, int]:
    """Most specific first: a tier rule, then a need rule, then the general one."""
    return (-int(bool(policy.tier)), -int(bool(policy.need)))


# Policy edits by hand (managers, HQ).

LABEL_LENGTH = max_length(ClockPolicy, "label")


@transaction.atomic
def policy_save(
    *,
    by: Staff,
    outlet: Outlet | None,
    kind: str,
    minutes: int,
    warn_before_minutes: int | None = None,
    counting: str | None = None,
    escalate_after_minutes: int | None = None,
    tier: str = "",
    need: str = "",
    label: str = "",
) -> ClockPolicy:
    """Create or change the policy of one scope (outlet, kind, tier, need).

    Only clocks started afterwards use it: a running clock copied its minutes
    when it started.

    1. Outlet managers edit their own outlet's rows; HQ edits the network
       defaults (no outlet) and any outlet's rows.
    2. Values are checked here, so the page and the API refuse the same input.
       Left out (None, or "" for counting), the warning, counting and
       escalation stay as this scope's rule has them, else the clock's
       standard (``policies.filled_in``), for the page and the API alike.
    3. A tier or need rule may only tighten the general rule where it applies:
       a looser one would never apply (``policies.choose``), so it is refused.
    4. The scope is unique, so saving it again changes the existing row.
    """
    label = label.strip()
    _check_scope(by, outlet)
    _refuse(
        _choice_errors(kind=kind, tier=tier, need=need, counting=counting)
        | _bound_errors(minutes, warn_before_minutes, escalate_after_minutes, label)
    )
    scope: dict[str, Any] = {"outlet": outlet, "kind": kind, "tier": tier, "need": need}
    # order_by(): the default ordering joins the outlet, which FOR UPDATE refuses.
    current = ClockPolicy.objects.select_for_update().filter(**scope).order_by().first()
    warn_before_minutes, counting, escalate_after_minutes = filled_in(
        kind,
        minutes,
        current,
        warn_before_minutes=warn_before_minutes,
        counting=counting,
        escalate_after_minutes=escalate_after_minutes,
    )
    _refuse(
        _warning_errors(minutes, warn_before_minutes)
        | _tightening_errors(outlet, kind, tier, need, minutes)
    )
    policy, _created = ClockPolicy.objects.update_or_create(
        **scope,
        defaults={
            "minutes": minutes,
            "warn_before_minutes": warn_before_minutes,
            "counting": counting,
            "label": label,
            "escalate_after_minutes": escalate_after_minutes,
        },
    )
    return policy


def default_policy_outlet(by: Staff) -> Outlet | None:
    """The scope of a policy saved without an outlet: the user's own outlet,
    or for HQ the network defaults."""
    return None if by.is_hq else by.outlet


def _check_scope(by: Staff, outlet: Outlet | None) -> None:
    if outlet is None and not may(by, Capability.EDIT_NETWORK_POLICIES):
        raise NotAllowed(
            _("Only HQ changes the network defaults."),
            fields={"outlet": [_("Network defaults are changed by HQ.")]},
        )
    if outlet is not None and not may(
        by, Capability.EDIT_POLICIES, outlet_id=outlet.pk
    ):
        raise NotAllowed(
            _("You may change the policies of your own outlet only."),
            fields={"outlet": [_("Not your outlet.")]},
        )


def _refuse(errors: dict[str, list]) -> None:
    if errors:
        raise DomainError(_("The policy was not saved."), fields=errors)


def _choice_errors(*, kind: str, tier: str, need: str, counting: str | None) -> dict:
    errors = {}
    for field, value, allowed in (
        ("kind", kind, ClockKind.values),
        ("tier", tier, ["", *Tier.values]),
        ("need", need, ["", *Need.values]),
        ("counting", counting, [None, "", *Counting.values]),
    ):
        if value not in allowed:
            errors[field] = [_("Not a valid choice.")]
    return errors


def _bound_errors(
    minutes: int, warn: int | None, escalate: int | None, label: str
) -> dict:
    errors: dict[str, list[StrOrPromise]] = {}
    if minutes <= 0:
        errors["minutes"] = [_("The limit must be at least one minute.")]
    if warn is not None and warn < 0:
        errors["warn_before_minutes"] = [_("The warning cannot be negative.")]
    if escalate is not None and escalate <= 0:
        errors["escalate_after_minutes"] = [_("Escalate after at least one minute.")]
    for field, value in (
        ("minutes", minutes),
        ("warn_before_minutes", warn),
        ("escalate_after_minutes", escalate),
    ):
        if value is not None and value > MAX_MINUTES:
            errors[field] = [_too_long()]
    if len(label) > LABEL_LENGTH:
        errors["label"] = [_("At most %(count)s characters.") % {"count": LABEL_LENGTH}]
    return errors


def _too_long() -> str:
    return _("At most %(minutes)s minutes (%(days)s days).") % {
        "minutes": MAX_MINUTES,
        "days": MAX_MINUTES // (24 * 60),
    }


def _warning_errors(minutes: int, warn: int) -> dict:
    if warn < minutes:
        return {}
    return {
        "warn_before_minutes": [
            _("The warning must come before the limit: fewer minutes than it.")
        ]
    }


def _tightening_errors(
    outlet: Outlet | None, kind: str, tier: str, need: str, minutes: int
) -> dict:
    """A tier or need rule looser than the general rule it would sit under."""
    if not (tier or need):
        return {}
    where = (Q(outlet__isnull=True) | Q(outlet=outlet)) if outlet else Q(outlet=None)
    rows = ClockPolicy.objects.filter(where, kind=kind, tier="", need="")
    general = general_minutes(rows, kind, outlet.pk if outlet else None)
    if minutes <= general:
        return {}
    message = _(
        "%(scope)s: %(minutes)s min would be looser than the general rule's "
        "%(general)s min and never apply. A tier or need rule may only tighten "
        "the general promise."
    )
    values = {"scope": scope_name(tier, need), "minutes": minutes, "general": general}
    return {"minutes": [message % values]}
