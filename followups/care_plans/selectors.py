"""The care-plan rules a user may read, as the plan page and the API list them."""

from django.db.models import Case, F, Q, QuerySet, Value, When

from outlets.access import visible
from outlets.models import Staff

from .models import PLAN_KINDS, SCOPE_VALUES, CarePlanRule, CarePlanScope

# Tiers from strategic down, tenures from new up, needs as DOMAIN.md lists them.
SCOPE_ORDER = [value for values in SCOPE_VALUES.values() for value in values.values]


def care_plan_rules_for(
    user: Staff, *, outlet_id: int | None = None
) -> QuerySet[CarePlanRule]:
    """The network defaults and the outlet rules the user may see (one outlet if
    given)."""
    own = visible(user, CarePlanRule.objects.filter(outlet__isnull=False))
    if outlet_id is not None:
        own = own.filter(outlet=outlet_id)
    return (
        CarePlanRule.objects.filter(Q(outlet__isnull=True) | Q(pk__in=own.values("pk")))
        .select_related("outlet")
        .order_by(
            _in_order("scope", CarePlanScope.values),
            _in_order("value", SCOPE_ORDER),
            _in_order("kind", [kind.value for kind in PLAN_KINDS]),
            F("outlet").asc(nulls_first=True),
            "pk",
        )
    )


def effective_rules(user: Staff, *, outlet_id: int | None) -> list[CarePlanRule]:
    """The rules at one outlet, each network rule it overrides marked as such.

    Without an outlet (HQ's view of the network) nothing is marked overridden.
    """
    rows = list(care_plan_rules_for(user, outlet_id=outlet_id))
    own = {rule.scope_key for rule in rows if rule.outlet_id is not None}
    for rule in rows:
        rule.overridden = (  # type: ignore[attr-defined]  # set for display
            outlet_id is not None and rule.outlet_id is None and rule.scope_key in own
        )
    return rows


def _in_order(field: str, values: list[str]) -> Case:
    return Case(*(When(**{field: v}, then=Value(i)) for i, v in enumerate(values)))
