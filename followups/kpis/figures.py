"""The KPI figures: what each counts, per customer, and the formula on top.

Every figure rests on three counts per customer (``part``, ``other``,
``whole``), from one GROUP BY per figure; an outlet's or the network's figure
for a tier is the sum of its customers' counts (``month_grid``), and a frozen
month stores those sums (``KpiSnapshot``). The same rows list the customers
behind a number, so the list and the number cannot disagree.

| figure | part | other | whole | value |
|---|---|---|---|---|
| churn | churned in the month | | base: shipped the 3 months before | part / whole |
| nps | promoters (9-10) | detractors (0-6) | answers | (part - other) / whole x 100 |
| referral_share | new customers referred | | new customers | part / whole |
| volume_growth | parcels this month | | parcels a year before | part / whole - 1 |
| sla:<clock> | met in time | breached | met + breached | part / whole |
| follow_up_on_time | done by their due time | | due (not cancelled) | part / whole |

The churn target is a year's rate: ``1 - (1 - monthly) ** 12``.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Value
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from clocks.models import Clock, ClockKind, ClockState
from customers.models import Customer, Tier
from customers.tenure import add_months
from shipments.models import Shipment

from ..models import FollowUp, FollowUpState
from ..surveys.models import DETRACTOR_AT_MOST, PROMOTER_AT_LEAST
from .churn import annualised, churn_rows
from .months import bounds
from .sources import referral_rows, survey_answers

CHURN, NPS, REFERRAL, GROWTH, ON_TIME = (
    "churn",
    "nps",
    "referral_share",
    "volume_growth",
    "follow_up_on_time",
)
SLA = "sla:"
TIERS = [tier for tier, _label in Tier.choices]


@dataclass(frozen=True)
class Metric:
    key: str
    label: StrOrPromise
    # The handbook's target and which way is good; None where it sets none.
    target: Decimal | None = None
    lower_is_better: bool = False
    # What part, other and whole count, for a customer's line in the list.
    columns: tuple = ()


def metrics() -> list[Metric]:
    """Every figure in the order the dashboard shows them."""
    return [
        Metric(
            CHURN,
            _("Churn rate"),
            Decimal("0.10"),
            lower_is_better=True,
            columns=(_("Churned"), "", _("Shipped in the 3 months before")),
        ),
        Metric(
            NPS,
            _("NPS (promoters − detractors)"),
            Decimal("85"),
            columns=(_("Promoter answers"), _("Detractor answers"), _("Answers")),
        ),
        Metric(
            REFERRAL,
            _("Referral share of new customers"),
            Decimal("0.45"),
            columns=(_("Referred"), "", _("New customer")),
        ),
        Metric(
            GROWTH,
            _("Repeat customers' volume, year on year"),
            Decimal("0.20"),
            columns=(_("Parcels this month"), "", _("Parcels a year before")),
        ),
        *(
            Metric(
                SLA + kind,
                format_lazy(_("Clock met in time: {clock}"), clock=label),
                columns=(_("Met in time"), _("Breached"), _("Clocks")),
            )
            for kind, label in ClockKind.choices
        ),
        Metric(
            ON_TIME,
            _("Follow-ups completed on time"),
            columns=(_("Done on time"), "", _("Due")),
        ),
    ]


def metric(key: str) -> Metric | None:
    return next((m for m in metrics() if m.key == key), None)


@dataclass(frozen=True)
class Counts:
    part: int = 0
    other: int = 0
    whole: int = 0

    def __add__(self, more: "Counts") -> "Counts":
        return Counts(
            self.part + more.part, self.other + more.other, self.whole + more.whole
        )


def value(key: str, counts: Counts) -> Decimal | None:
    """The figure from its counts; None when there is nothing to count."""
    if not counts.whole:
        return None
    part, other, whole = map(Decimal, (counts.part, counts.other, counts.whole))
    if key == NPS:
        return (part - other) / whole * 100
    if key == GROWTH:
        return part / whole - 1
    return part / whole


def judged(key: str, counts: Counts) -> Decimal | None:
    """What is held against the target: the churn target is a year's rate."""
    figure = value(key, counts)
    return annualised(figure) if key == CHURN and figure is not None else figure


def meets(m: Metric, counts: Counts) -> bool | None:
    figure = judged(m.key, counts)
    if figure is None or m.target is None:
        return None
    return figure < m.target if m.lower_is_better else figure >= m.target


# --- Per-customer rows -------------------------------------------------------------


def _window(month: date, now: datetime) -> tuple[datetime, datetime]:
    start, end = bounds(month)
    return start, min(end, now)


def nps_rows(month: date, *, now: datetime) -> QuerySet:
    start, end = _window(month, now)
    return (
        survey_answers(start, end)
        .order_by()
        .values("customer_id")
        .annotate(
            part=Count("pk", filter=Q(score__gte=PROMOTER_AT_LEAST)),
            other=Count("pk", filter=Q(score__lte=DETRACTOR_AT_MOST)),
            whole=Count("pk"),
        )
    )


def growth_rows(month: date, *, now: datetime) -> QuerySet:
    """Customers who shipped in the same month a year before (the repeat
    customers): their parcels now and then. A month in progress is compared
    with the same days a year before."""
    start, end = _window(month, now)
    then_start = bounds(add_months(month, -12))[0]
    then_end = then_start + (end - start)
    now_q = Q(created_at__gte=start, created_at__lt=end)
    then_q = Q(created_at__gte=then_start, created_at__lt=then_end)
    return (
        Shipment.objects.filter(now_q | then_q)
        .order_by()
        .values("customer_id")
        .annotate(
            part=Count("pk", filter=now_q),
            other=Value(0),
            whole=Count("pk", filter=then_q),
        )
        .filter(whole__gt=0)
    )


def sla_rows(month: date, *, now: datetime) -> QuerySet:
    """Clocks due in the month that ended: met in time or breached (a
    breached clock met late stays breached)."""
    start, end = _window(month, now)
    ended = (ClockState.MET, ClockState.BREACHED)
    return (
        Clock.objects.filter(due_at__gte=start, due_at__lt=end, state__in=ended)
        .order_by()
        .values("customer_id", "kind")
        .annotate(
            part=Count("pk", filter=Q(state=ClockState.MET)),
            other=Count("pk", filter=Q(state=ClockState.BREACHED)),
            whole=Count("pk"),
        )
    )


def on_time_rows(month: date, *, now: datetime) -> QuerySet:
    """Follow-ups due in the month (up to now), but those cancelled: done by
    their due time, out of all. A declined one was not done."""
    start, end = _window(month, now)
    on_time = Q(state=FollowUpState.DONE, closed_at__lte=F("due_at"))
    return (
        FollowUp.objects.filter(due_at__gte=start, due_at__lt=end)
        .exclude(state=FollowUpState.CANCELLED)
        .order_by()
        .values("customer_id")
        .annotate(part=Count("pk", filter=on_time), other=Value(0), whole=Count("pk"))
    )


ROWS: dict[str, Callable[..., QuerySet]] = {
    CHURN: churn_rows,
    NPS: nps_rows,
    REFERRAL: referral_rows,
    GROWTH: growth_rows,
    ON_TIME: on_time_rows,
}


def customer_rows(key: str, month: date, *, now: datetime) -> QuerySet:
    """The customers behind one figure, each with their counts."""
    if key.startswith(SLA):
        return sla_rows(month, now=now).filter(kind=key.removeprefix(SLA))
    return ROWS[key](month, now=now)


# --- Sums per outlet and tier ---------------------------------------------------------

Grid = dict[tuple[int, str, str], Counts]


def month_grid(month: date, *, now: datetime) -> Grid:
    """Every figure's counts per (outlet, tier, figure) for ``month``; the
    month in progress up to ``now``. One GROUP BY per figure, all outlets."""
    grid: Grid = {}
    for key, rows in ROWS.items():
        for outlet, tier, _key, counts in _sums(rows(month, now=now)):
            grid[outlet, tier, key] = counts
    for outlet, tier, kind, counts in _sums(sla_rows(month, now=now), by="kind"):
        grid[outlet, tier, SLA + kind] = counts
    return grid


def _sums(rows: QuerySet, *, by: str | None = None) -> list[tuple]:
    """``rows`` summed per customer's outlet and tier (and ``by``) in SQL."""
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    customers = quote(Customer._meta.db_table)
    extra = f", s.{quote(by)}" if by else ""
    outer = (
        f"SELECT c.outlet_id, c.tier{extra or ', NULL'}, SUM(s.part), SUM(s.other), "
        f"SUM(s.whole) FROM ({sql}) s JOIN {customers} c ON c.id = s.customer_id "
        f"GROUP BY c.outlet_id, c.tier{extra}"
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        return [
            (outlet, tier, key, Counts(int(part), int(other), int(whole)))
            for outlet, tier, key, part, other, whole in cursor.fetchall()
        ]


def collapse(grid: Grid, *, outlet_id: int | None) -> dict[tuple[str, str], Counts]:
    """Per (tier, figure) for one outlet or the network, with tier "" for all."""
    sums: dict[tuple[str, str], Counts] = defaultdict(Counts)
    for (outlet, tier, key), counts in grid.items():
        if outlet_id is None or outlet == outlet_id:
            sums[tier, key] += counts
            sums["", key] += counts
    return sums
