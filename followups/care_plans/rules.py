"""Care-plan rules changed by hand: outlet managers their outlet, HQ the network."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from outlets.access import Capability, may
from outlets.errors import DomainError, NotAllowed
from outlets.models import Outlet, Staff

from ..models import FollowUpChannel
from .models import (
    MAX_DAYS,
    MIN_DAYS,
    PLAN_KINDS,
    SCOPE_VALUES,
    CarePlanRule,
    CarePlanScope,
)


@transaction.atomic
def care_plan_rule_save(
    *,
    by: Staff,
    outlet: Outlet | None,
    scope: str,
    value: str,
    kind: str,
    channel: str,
    cadence_days: int | None = None,
    offset_days: int | None = None,
    active: bool = True,
) -> CarePlanRule:
    """Create or change the rule of one scope and kind at an outlet (or the network).

    1. Outlet managers change their own outlet; HQ the network and any outlet.
    2. The rule repeats every ``cadence_days`` or comes once ``offset_days``
       after the cooperation start: exactly one of them, 1 to 365 days.
    3. The scope and kind are unique per outlet, so saving again changes the row;
       an outlet's row replaces the network's there, from the next night's plan.
    """
    _check_scope(by, outlet)
    _refuse(
        _choice_errors(scope=scope, value=value, kind=kind, channel=channel)
        | _day_errors(cadence_days, offset_days)
    )
    rule, _created = CarePlanRule.objects.update_or_create(
        outlet=outlet,
        scope=scope,
        value=value,
        kind=kind,
        defaults={
            "channel": channel,
            "cadence_days": cadence_days,
            "offset_days": offset_days,
            "active": active,
        },
    )
    return rule


@transaction.atomic
def care_plan_rule_reset(*, by: Staff, rule: CarePlanRule) -> None:
    """Delete an outlet's own rule: the network default applies there again."""
    if rule.outlet_id is None:
        raise DomainError(
            _("A network default is switched off, not deleted."),
            fields={"active": [_("Save it with active unticked instead.")]},
        )
    _check_scope(by, rule.outlet)
    rule.delete()


def _check_scope(by: Staff, outlet: Outlet | None) -> None:
    if outlet is None and not may(by, Capability.EDIT_NETWORK_POLICIES):
        raise NotAllowed(
            _("Only HQ changes the network's care plan."),
            fields={"outlet": [_("Network defaults are changed by HQ.")]},
        )
    if outlet is not None and not may(
        by, Capability.EDIT_CARE_PLANS, outlet_id=outlet.pk
    ):
        raise NotAllowed(
            _("You may change the care plan of your own outlet only."),
            fields={"outlet": [_("Not your outlet.")]},
        )


def _refuse(errors: dict[str, list]) -> None:
    if errors:
        raise DomainError(_("The care-plan rule was not saved."), fields=errors)


def _choice_errors(*, scope: str, value: str, kind: str, channel: str) -> dict:
    errors: dict[str, list[StrOrPromise]] = {}
    values = SCOPE_VALUES.get(scope)
    if values is None:
        errors["scope"] = [_("Choose tier, tenure or need.")]
    elif value not in values.values:
        errors["value"] = [
            _("Not a valid %(scope)s: choose one of %(choices)s.")
            % {
                "scope": CarePlanScope(scope).label,
                "choices": ", ".join(values.values),
            }
        ]
    if kind not in PLAN_KINDS:
        errors["kind"] = [
            _(
                "A care plan schedules return visits, check-ins, first-month "
                "reviews, promotions, open days or retention calls."
            )
        ]
    if channel not in FollowUpChannel.values:
        errors["channel"] = [_("Not a valid choice.")]
    return errors


def _day_errors(cadence: int | None, offset: int | None) -> dict:
    if (cadence is None) == (offset is None):
        message = _("Give either every how many days, or days after the start.")
        return {"cadence_days": [message]}
    if cadence is not None:
        return _bound_errors("cadence_days", cadence, NEGATIVE_CADENCE)
    assert offset is not None  # exactly one of the two is given
    return _bound_errors("offset_days", offset, NEGATIVE_OFFSET)


def _bound_errors(field: str, days: int, negative) -> dict:
    if days < 0:
        return {field: [negative % BOUNDS]}
    if not MIN_DAYS <= days <= MAX_DAYS:
        return {field: [_("Give %(min)s to %(max)s days.") % BOUNDS]}
    return {}


BOUNDS = {"min": MIN_DAYS, "max": MAX_DAYS}
NEGATIVE_CADENCE = _("A cadence cannot be negative: give %(min)s to %(max)s days.")
NEGATIVE_OFFSET = _(
    "Days after the start cannot be negative: give %(min)s to %(max)s days."
)
