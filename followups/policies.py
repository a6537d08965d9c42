"""Which policy a new clock gets: minutes, warning lead, counting, escalation."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_noop

from customers.models import Customer

from .models import ClockKind, ClockPolicy, Counting

# Labels of the default policy rows (migration 0003): stored as data, shown
# through the catalogue, so they are marked here for makemessages.
DEFAULT_LABELS = (gettext_noop("Priority pickup"), gettext_noop("Dedicated service"))

# The limits of DOMAIN.md, used when no policy row says otherwise.
DEFAULT_MINUTES = {
    ClockKind.PICKUP_CONTACT: (30, Counting.BUSINESS_HOURS),
    ClockKind.PICKUP_ENTRY: (30, Counting.BUSINESS_HOURS),
    ClockKind.MILESTONE_PUSH: (30, Counting.CALENDAR),
    ClockKind.PROBLEM_RESPONSE: (10, Counting.CALENDAR),
    ClockKind.PROBLEM_SOLUTION: (50, Counting.CALENDAR),
    ClockKind.PROBLEM_REMEDY: (180, Counting.CALENDAR),
    ClockKind.COLD_CHAIN_ALARM: (5, Counting.CALENDAR),
}


@dataclass(frozen=True)
class Applied:
    minutes: int
    warn_before_minutes: int
    counting: str
    escalate_after_minutes: int
    label: str = ""


def default_warning(minutes: int) -> int:
    return max(1, minutes // 6)


def policy_for(kind: str, customer: Customer, needs: list[str]) -> Applied:
    """The policy for one customer's new clock, from the rows that can apply."""
    rows = ClockPolicy.objects.filter(
        Q(outlet=customer.outlet_id) | Q(outlet__isnull=True),
        Q(tier=customer.tier) | Q(tier=""),
        Q(need__in=needs) | Q(need=""),
        kind=kind,
    )
    return choose(rows, kind, customer, needs)


def policy_chooser(
    kind: str, outlet_ids: Iterable[int]
) -> Callable[[Customer, list[str]], Applied]:
    """``policy_for`` for many customers, from one query.

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
    """The most specific of ``rows`` that fits, else DOMAIN.md's default.

    Specificity, most telling first: a row for the customer's tier beats one for
    any tier, then a row for one of their needs beats one for any need, then the
    outlet's own row beats the network's. So an outlet that relaxes its general
    limit does not take away key customers' priority pickup; to change that it
    writes its own row for the key tier. Among equally specific rows the
    strictest (fewest minutes) wins.
    """
    fits = [
        row
        for row in rows
        if row.kind == kind
        and row.outlet_id in (None, customer.outlet_id)
        and row.tier in ("", customer.tier)
        and row.need in ("", *needs)
    ]
    best = min(fits, key=_rank, default=None)
    if best is None:
        minutes, counting = DEFAULT_MINUTES[kind]
        return Applied(minutes, default_warning(minutes), counting, 30)
    return Applied(
        best.minutes,
        min(best.warn_before_minutes, best.minutes),
        best.counting,
        best.escalate_after_minutes,
        best.label,
    )


def _rank(policy: ClockPolicy) -> tuple:
    specificity = (bool(policy.tier), bool(policy.need), policy.outlet_id is not None)
    return (tuple(-int(flag) for flag in specificity), policy.minutes)
