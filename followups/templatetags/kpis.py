"""How a KPI figure reads on the page: rates in percent, NPS in points,
growth with its sign; "—" where there is nothing to count."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from followups.kpis.figures import GROWTH, NPS

register = template.Library()


def shown(key: str, found: Decimal | None) -> str:
    if found is None:
        return "—"
    if key == NPS:
        return number_format(found, 1)
    sign = "+" if key == GROWTH and found > 0 else ""
    return f"{sign}{number_format(found * 100, 1)} %"


@register.filter
def kpi_value(cell) -> str:
    return shown(cell.metric.key, cell.value)


@register.filter
def kpi_yearly(cell) -> str:
    return shown(cell.metric.key, cell.yearly)


@register.filter
def kpi_target(m) -> str:
    if m.target is None:
        return "—"
    sign = "<" if m.lower_is_better else "≥"
    return f"{sign} {shown(m.key, m.target)}"
