"""Changes to the service clock's policies.

Clocks themselves start, stop and breach in ``clocks.py``; this module holds the
edits a manager makes by hand.
"""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Need, Tier
from outlets.access import Capability, may
from outlets.errors import DomainError, NotAllowed
from outlets.models import Outlet, Staff

from .models import ClockKind, ClockPolicy, Counting
from .policies import MAX_MINUTES, filled_in, general_minutes, scope_name

LABEL_LENGTH = ClockPolicy._meta.get_field("label").max_length


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
    scope = {"outlet": outlet, "kind": kind, "tier": tier, "need": need}
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
    errors = {}
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
