"""Reads for the KPI dashboard and the churn-risk list, as a member of staff
may see them: the scope (an outlet or the network), a month's figures
(frozen snapshots, or live for the month in progress), the trend, and the
customers behind a number."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from outlets.access import Capability, may, visible
from outlets.errors import DomainError, NotAllowed
from outlets.models import Outlet, Staff

from .churn import annualised
from .figures import (
    CHURN,
    TIERS,
    Counts,
    Metric,
    collapse,
    customer_rows,
    meets,
    metric,
    metrics,
    month_grid,
    value,
)
from .models import ChurnRisk, KpiMonth, KpiSnapshot
from .months import month_of, months_back

TREND_MONTHS = 12


@dataclass(frozen=True)
class Scope:
    """One outlet's figures, or the network's (``outlet`` None)."""

    outlet: Outlet | None

    @property
    def outlet_id(self) -> int | None:
        return self.outlet.pk if self.outlet else None


def kpi_scope(user: Staff, *, outlet_id: int | None, network: bool) -> Scope:
    """Managers see their outlet; the network (all outlets) is HQ's alone.

    ``network`` asks for the network whatever the outlet; HQ without an
    outlet sees it too. An outlet the user may not see answers like one that
    does not exist.
    """
    if network or (outlet_id is None and not user.outlet_id):
        if not may(user, Capability.SEE_NETWORK_KPIS):
            raise NotAllowed(
                _("The network's figures are for HQ; you see your own outlet's.")
            )
        return Scope(None)
    wanted = user.outlet_id if outlet_id is None else outlet_id
    outlet = visible(user, Outlet.objects.all()).filter(pk=wanted).first()
    if outlet is None:
        message = _("Unknown or not yours: %(id)s") % {"id": wanted}
        raise DomainError(message, fields={"outlet": [message]})
    return Scope(outlet)


# --- A month's counts -------------------------------------------------------------


@dataclass(frozen=True)
class MonthCounts:
    month: date
    # Frozen: read from the month's snapshot; else computed at ``as_of``.
    frozen: bool
    as_of: datetime
    sums: dict[tuple[str, str], Counts]


def month_counts(scope: Scope, month: date, *, now: datetime) -> MonthCounts:
    taken = KpiMonth.objects.filter(month=month).values_list("taken_at", flat=True)
    if taken_at := taken.first():
        sums = snapshot_sums([month], outlet_id=scope.outlet_id).get(month, {})
        return MonthCounts(month, True, taken_at, sums)
    grid, as_of = live_grid(month, now=now)
    return MonthCounts(month, False, as_of, collapse(grid, outlet_id=scope.outlet_id))


def live_grid(month: date, *, now: datetime) -> tuple[dict, datetime]:
    """A month not frozen, for every outlet, kept for KPI_LIVE_SECONDS: one
    computation serves every manager's and HQ's page in that time."""
    key = f"kpis:live:{month.isoformat()}"
    kept = cache.get(key)
    if kept is None:
        grid = month_grid(month, now=now)
        kept = (list(grid.items()), now)
        cache.set(key, kept, settings.KPI_LIVE_SECONDS)
    items, as_of = kept
    return dict(items), as_of


def snapshot_sums(
    months: list[date], *, outlet_id: int | None
) -> dict[date, dict[tuple[str, str], Counts]]:
    """Frozen counts per month and (tier, figure), tier "" for all: one query."""
    rows = KpiSnapshot.objects.filter(month__in=months)
    if outlet_id is not None:
        rows = rows.filter(outlet_id=outlet_id)
    sums_by = (
        rows.order_by()
        .values("month", "tier", "metric")
        .annotate(p=Sum("part"), o=Sum("other"), w=Sum("whole"))
    )
    found: dict[date, dict[tuple[str, str], Counts]] = {}
    for row in sums_by:
        sums = found.setdefault(row["month"], {})
        counts = Counts(row["p"], row["o"], row["w"])
        sums[row["tier"], row["metric"]] = counts
        sums["", row["metric"]] = sums.get(("", row["metric"]), Counts()) + counts
    return found


# --- Figures as shown -------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    metric: Metric
    tier: str
    counts: Counts
    value: Decimal | None
    yearly: object  # churn only: the annualised rate
    meets: bool | None


def figure(m: Metric, tier: str, counts: Counts) -> Figure:
    found = value(m.key, counts)
    yearly = annualised(found) if m.key == CHURN and found is not None else None
    return Figure(m, tier, counts, found, yearly, meets(m, counts))


@dataclass(frozen=True)
class FigureRow:
    metric: Metric
    cells: list[Figure]  # all tiers first, then each tier


def figure_rows(counts: MonthCounts) -> list[FigureRow]:
    return [
        FigureRow(
            m,
            [
                figure(m, tier, counts.sums.get((tier, m.key), Counts()))
                for tier in ["", *TIERS]
            ],
        )
        for m in metrics()
    ]


@dataclass(frozen=True)
class TrendPoint:
    month: date
    frozen: bool
    figures: dict[str, Figure] | None  # None: not frozen and not this month


def kpi_trend(
    scope: Scope, month: date, *, now: datetime, count: int = TREND_MONTHS
) -> list[TrendPoint]:
    """The ``count`` months up to ``month``, all tiers: frozen months from
    their snapshots (one query), the month in progress and the chosen one
    live (kept in the cache); another past month never frozen is a gap."""
    months = months_back(month, count)
    frozen = set(
        KpiMonth.objects.filter(month__in=months).values_list("month", flat=True)
    )
    sums = snapshot_sums(sorted(frozen), outlet_id=scope.outlet_id)
    points = []
    for each in months:
        if each in frozen:
            found = sums.get(each, {})
        elif each in (month, month_of(now)):
            found = month_counts(scope, each, now=now).sums
        else:
            points.append(TrendPoint(each, False, None))
            continue
        figures = {
            m.key: figure(m, "", found.get(("", m.key), Counts())) for m in metrics()
        }
        points.append(TrendPoint(each, each in frozen, figures))
    return points


# --- The customers behind a number -----------------------------------------------


def kpi_customers(
    user: Staff, scope: Scope, key: str, month: date, *, tier: str, now: datetime
) -> QuerySet[Customer]:
    """The customers counted in one figure, as ``user`` may see them; for the
    churn rate, those who churned. Today's reading of the month: a frozen
    figure may differ from it once data was corrected."""
    if metric(key) is None:
        message = _("Unknown figure: %(key)s") % {"key": key}
        raise DomainError(message, fields={"metric": [message]})
    rows = customer_rows(key, month, now=now)
    if key == CHURN:
        rows = rows.filter(part=1)
    customers = Customer.objects.filter(pk__in=Subquery(rows.values("customer_id")))
    if scope.outlet_id is not None:
        customers = customers.filter(outlet_id=scope.outlet_id)
    if tier:
        customers = customers.filter(tier=tier)
    return visible(user, customers).select_related("outlet", "account_manager")


def counts_of(key: str, month: date, customer_ids: list[int], *, now: datetime) -> dict:
    """Each listed customer's own counts in the figure (a page of them)."""
    rows = customer_rows(key, month, now=now).filter(customer_id__in=customer_ids)
    found: dict[int, Counts] = {}
    for row in rows:
        found[row["customer_id"]] = found.get(row["customer_id"], Counts()) + Counts(
            row["part"], row["other"], row["whole"]
        )
    return found


# --- Churn risks --------------------------------------------------------------------


def churn_risks_for(
    user: Staff,
    *,
    outlet_id: int | None = None,
    account_manager_id: int | None = None,
    reason: str | None = None,
) -> QuerySet[ChurnRisk]:
    """Open risks ``user`` may see, newest first: an account manager's are
    their customers'; managers filter by account manager."""
    risks = visible(user, ChurnRisk.objects.filter(cleared_at__isnull=True))
    if outlet_id is not None:
        risks = risks.filter(outlet_id=outlet_id)
    if account_manager_id is not None:
        risks = risks.filter(customer__account_manager_id=account_manager_id)
    if reason:
        risks = risks.filter(reason=reason)
    return risks.select_related(
        "customer", "customer__account_manager", "outlet"
    ).order_by("-raised_at", "-pk")
