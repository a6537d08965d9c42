"""The nightly plan: follow-ups from the care-plan rules, idempotently.

One query per distinct effective rule (never per customer) finds the customers
whose period starts tonight, and ``follow_ups_create`` inserts each batch in one
statement. Every follow-up carries ``plan:<scope>:<customer>:<period>`` as its
source key, so a second run the same night, or a catch-up run, creates nothing
new.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice

from django.conf import settings as django_settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone, translation

from customers.models import Customer
from customers.tenure import start_bounds
from outlets.models import Role, Staff

from ..models import FollowUpKind
from ..occasions.segments import care_reachable
from ..services import NewFollowUp, follow_ups_create
from .due import DueCalendar
from .expressions import DaysSince
from .models import CarePlanRule, CarePlanScope
from .texts import plan_note

# A night or two the plan did not run is caught up: a period that started up to
# this many days ago still gets its follow-up (the source key keeps reruns from
# repeating it).
CATCH_UP_DAYS = 2
# Offers and invitations are care, which a customer may decline (care_opt_out);
# return visits and check-ins are how the outlet serves them, and stay.
OFFERS = frozenset({FollowUpKind.PROMOTION, FollowUpKind.OPEN_DAY})
BATCH = 5000


@dataclass(frozen=True)
class Settings:
    """What a rule does; outlets whose rules do the same share one query."""

    scope: str
    value: str
    kind: str
    channel: str
    cadence_days: int | None
    offset_days: int | None
    active: bool

    @classmethod
    def of(cls, rule: CarePlanRule) -> "Settings":
        return cls(
            rule.scope,
            rule.value,
            rule.kind,
            rule.channel,
            rule.cadence_days,
            rule.offset_days,
            rule.active,
        )

    @property
    def scope_key(self) -> str:
        return f"{self.scope}.{self.value}.{self.kind}"


@dataclass
class Group:
    """A rule's settings and where they apply: ``only`` these outlets, or every
    outlet ``but`` these (the network default where no outlet overrides it)."""

    settings: Settings
    only: set[int] | None = None
    but: set[int] = field(default_factory=set)


@dataclass
class PlanResult:
    rules: int = 0
    candidates: int = 0
    created: int = 0


def effective_groups(rules: Iterable[CarePlanRule]) -> list[Group]:
    """The active rule groups: an outlet's rule replaces the network's for the
    same scope and kind (also to switch it off, with ``active`` false)."""
    network: dict[str, Settings] = {}
    overrides: dict[str, dict[int, Settings]] = {}
    for rule in rules:
        settings = Settings.of(rule)
        if rule.outlet_id is None:
            network[settings.scope_key] = settings
        else:
            overrides.setdefault(settings.scope_key, {})[rule.outlet_id] = settings
    groups = []
    for key in network.keys() | overrides.keys():
        default, own = network.get(key), overrides.get(key, {})
        differing = {outlet for outlet, s in own.items() if s != default}
        if default is not None:
            groups.append(Group(default, but=differing))
        for settings in {own[outlet] for outlet in differing}:
            outlets = {o for o in differing if own[o] == settings}
            groups.append(Group(settings, only=outlets))
    return [group for group in groups if group.settings.active]


def followups_plan(*, now: datetime) -> PlanResult:
    """Create tonight's planned follow-ups; safe to run again (nothing new).

    1. The effective rules (an outlet's replacing the network's) in groups of
       outlets that share them: one query each for the customers due tonight.
    2. Their follow-ups in batches of ``BATCH``, whatever rule they come from:
       one ``follow_ups_create`` (a few statements) per batch.
    """
    result = PlanResult()
    for rows in _batches(_planned(now, result), BATCH):
        result.candidates += len(rows)
        result.created += len(follow_ups_create(rows=rows, now=now))
    return result


def _planned(now: datetime, result: PlanResult) -> Iterator[NewFollowUp]:
    today = timezone.localdate(now)
    calendar, managers = DueCalendar(), outlet_managers()
    for group in effective_groups(CarePlanRule.objects.all()):
        result.rules += 1
        # Notes are stored text: written in the site's language, as staff read.
        with translation.override(django_settings.LANGUAGE_CODE):
            note = plan_note(group.settings)
        for row in candidates(group, today).iterator(chunk_size=BATCH):
            yield _follow_up(group.settings, row, today, now, calendar, managers, note)


def candidates(group: Group, today: date) -> QuerySet:
    """(customer, outlet, owner, days since start) of the customers due tonight."""
    settings = group.settings
    customers = Customer.objects.filter(_in_scope(settings, today))
    if settings.kind in OFFERS:
        customers = care_reachable(customers)
    if group.only is not None:
        customers = customers.filter(outlet_id__in=sorted(group.only))
    elif group.but:
        customers = customers.exclude(outlet_id__in=sorted(group.but))
    customers = customers.annotate(days=DaysSince("cooperation_start", today))
    if settings.cadence_days:
        # A period starts every cadence_days after the start, the first one a
        # cadence after it (no return visit on the first day).
        customers = customers.annotate(
            into_period=Mod("days", settings.cadence_days)
        ).filter(days__gte=settings.cadence_days, into_period__lte=CATCH_UP_DAYS)
    else:
        assert settings.offset_days is not None  # a rule has one or the other
        last = today - timedelta(days=settings.offset_days)
        customers = customers.filter(
            cooperation_start__lte=last,
            cooperation_start__gte=last - timedelta(days=CATCH_UP_DAYS),
        )
    return customers.order_by().values_list(
        "pk", "outlet_id", "account_manager_id", "account_manager__is_active", "days"
    )


def _in_scope(settings: Settings, today: date) -> Q:
    if settings.scope == CarePlanScope.TIER:
        return Q(tier=settings.value)
    if settings.scope == CarePlanScope.TENURE:
        return Q(**start_bounds(settings.value, today))
    return Q(needs__need=settings.value)


def _follow_up(
    settings: Settings,
    row: tuple,
    today: date,
    now: datetime,
    calendar: DueCalendar,
    managers: dict[int, int],
    note: str,
) -> NewFollowUp:
    customer_id, outlet_id, manager_id, manager_active, days = row
    if settings.cadence_days:
        period = (today - timedelta(days=days % settings.cadence_days)).isoformat()
    else:
        period = "once"
    owner = manager_id if manager_active else managers.get(outlet_id)
    return NewFollowUp(
        customer_id=customer_id,
        outlet_id=outlet_id,
        owner_id=owner,
        kind=settings.kind,
        channel=settings.channel,
        due_at=calendar.due(outlet_id, today, now=now),
        source_key=f"plan:{settings.scope_key}:{customer_id}:{period}",
        note=note,
    )


def outlet_managers() -> dict[int, int]:
    """Each outlet's first active outlet manager: who gets the work nobody owns."""
    rows = (
        Staff.objects.filter(role=Role.OUTLET_MANAGER, is_active=True)
        .order_by("-pk")
        .values_list("outlet_id", "pk")
    )
    return dict(rows)


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
