"""Changes to the service clock's policies.

Clocks themselves start, stop and breach in ``clocks.py``; this module holds the
edits a manager makes by hand.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from customers.models import Need, Tier
from outlets.access import can_manage_outlet
from outlets.errors import DomainError, NotAllowed
from outlets.models import Outlet, Staff

from .models import ClockKind, ClockPolicy, Counting

LABEL_LENGTH = ClockPolicy._meta.get_field("label").max_length


@transaction.atomic
def policy_save(
    *,
    by: Staff,
    outlet: Outlet | None,
    kind: str,
    minutes: int,
    warn_before_minutes: int,
    counting: str,
    escalate_after_minutes: int = 30,
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
    3. The scope is unique, so saving it again changes the existing row.
    """
    label = label.strip()
    _check_scope(by, outlet)
    _check_values(
        kind=kind,
        tier=tier,
        need=need,
        counting=counting,
        minutes=minutes,
        warn_before_minutes=warn_before_minutes,
        escalate_after_minutes=escalate_after_minutes,
        label=label,
    )
    policy, _created = ClockPolicy.objects.update_or_create(
        outlet=outlet,
        kind=kind,
        tier=tier,
        need=need,
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
    if outlet is None and not by.is_hq:
        raise NotAllowed(
            _("Only HQ changes the network defaults."),
            fields={"outlet": [_("Network defaults are changed by HQ.")]},
        )
    if outlet is not None and not can_manage_outlet(by, outlet.pk):
        raise NotAllowed(
            _("You may change the policies of your own outlet only."),
            fields={"outlet": [_("Not your outlet.")]},
        )


def _check_values(
    *,
    kind: str,
    tier: str,
    need: str,
    counting: str,
    minutes: int,
    warn_before_minutes: int,
    escalate_after_minutes: int,
    label: str,
) -> None:
    errors: dict[str, list] = {}
    for field, value, allowed in (
        ("kind", kind, ClockKind.values),
        ("tier", tier, ["", *Tier.values]),
        ("need", need, ["", *Need.values]),
        ("counting", counting, Counting.values),
    ):
        if value not in allowed:
            errors[field] = [_("Not a valid choice.")]
    if minutes <= 0:
        errors["minutes"] = [_("The limit must be at least one minute.")]
    if warn_before_minutes < 0:
        errors["warn_before_minutes"] = [_("The warning cannot be negative.")]
    elif minutes > 0 and warn_before_minutes >= minutes:
        errors["warn_before_minutes"] = [
            _("The warning must come before the limit: fewer minutes than it.")
        ]
    if escalate_after_minutes <= 0:
        errors["escalate_after_minutes"] = [_("Escalate after at least one minute.")]
    if len(label) > LABEL_LENGTH:
        errors["label"] = [_("At most %(count)s characters.") % {"count": LABEL_LENGTH}]
    if errors:
        raise DomainError(_("The policy was not saved."), fields=errors)
