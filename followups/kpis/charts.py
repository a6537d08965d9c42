"""What the dashboard's charts draw, as plain data for ``json_script``: the
page's script (static/js/kpi-charts.js) only reads it, so no figure is
computed twice and no inline script is needed under the CSP."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from clocks.models import ClockKind

from .figures import CHURN, GROWTH, NPS, REFERRAL, SLA, metric
from .queries import KpiQuery
from .selectors import FigureRow, TrendPoint

# Figure, scale to show it in (percent or points), and whether a year's rate.
TREND = [
    (CHURN, 100, True),
    (NPS, 1, False),
    (REFERRAL, 100, False),
    (GROWTH, 100, False),
]


def chart_data(query: KpiQuery, rows: list[FigureRow], trend: list[TrendPoint]) -> dict:
    customers = reverse("followups:kpis:customers")
    charts = [
        _trend_chart(query, trend, key, scale, yearly, customers)
        for key, scale, yearly in TREND
    ]
    return {"trend": charts, "sla": _sla_chart(query, rows, customers)}


def _trend_chart(query, trend, key, scale, yearly, customers) -> dict:
    m = metric(key)
    assert m is not None  # TREND names known figures
    values = []
    for point in trend:
        f = point.figures.get(key) if point.figures else None
        found = (f.yearly if yearly else f.value) if f else None
        values.append(None if found is None else round(float(found) * scale, 1))
    return {
        "key": key,
        "title": _("Churn rate, as a year's (%)") if yearly else _label(m, scale),
        "months": [p.month.strftime("%Y-%m") for p in trend],
        "values": values,
        "target": None if m.target is None else float(m.target) * scale,
        "target_label": _("Handbook target"),
        "links": [
            customers
            + "?"
            + urlencode(
                query.params(metric=key, month=p.month.strftime("%Y-%m"), tier="")
            )
            for p in trend
        ],
    }


def _label(m, scale: int) -> str:
    return f"{m.label} (%)" if scale == 100 else str(m.label)


def _sla_chart(query, rows: list[FigureRow], customers: str) -> dict:
    sla = [row for row in rows if row.metric.key.startswith(SLA)]
    cells = [row.cells[0] for row in sla]  # all tiers
    return {
        "title": _("Clocks met in time this month (%)"),
        "labels": [
            str(ClockKind(row.metric.key.removeprefix(SLA)).label) for row in sla
        ],
        "values": [
            None if c.value is None else round(float(c.value) * 100, 1) for c in cells
        ],
        "links": [
            customers + "?" + urlencode(query.params(metric=row.metric.key, tier=""))
            for row in sla
        ],
    }
