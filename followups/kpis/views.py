"""KPI dashboard and churn-warning pages under /care/. Glue: the parameters
through ``queries.kpi_query``, one selector, a template; a bad month is a form
error (400), the network asked by a manager a 403 page with the reason."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Tier
from lib.spreadsheets import csv_response, xlsx_response
from outlets.access import Capability, requires
from outlets.errors import DomainError, NotAllowed, show_on_form
from outlets.requests import StaffRequest

from .charts import chart_data
from .figures import CHURN, metric
from .forms import ChurnFilterForm, KpiFilterForm
from .queries import KpiQuery, kpi_query
from .selectors import (
    churn_risks_for,
    counts_of,
    figure_rows,
    kpi_customers,
    kpi_trend,
    month_counts,
)

PAGE_SIZE = 50


class _Refused(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _query(request: StaffRequest, form: KpiFilterForm, template: str) -> KpiQuery:
    try:
        return kpi_query(request.user, request.GET, now=timezone.now())
    except NotAllowed as error:
        context = {"message": error.message}
        page = render(request, "followups/kpi_refused.html", context, status=403)
        raise _Refused(page) from error
    except DomainError as error:
        form.is_valid()
        show_on_form(form, error)
        page = render(request, template, {"form": form}, status=400)
        raise _Refused(page) from error


@requires(Capability.SEE_KPIS)
def dashboard(request: StaffRequest) -> HttpResponse:
    """A month's figures by tier beside the targets, the year's trend as charts."""
    form = KpiFilterForm(request.user, request.GET or None)
    try:
        query = _query(request, form, "followups/kpi_dashboard.html")
    except _Refused as refused:
        return refused.response
    now = timezone.now()
    counts = month_counts(query.scope, query.month, now=now)
    rows = figure_rows(counts)
    if request.GET.get("format") in ("csv", "xlsx"):
        return _export(request.GET["format"], query, rows)
    trend = kpi_trend(query.scope, query.month, now=now)
    context = {
        "form": form,
        "query": query,
        "counts": counts,
        "rows": rows,
        "chart": chart_data(query, rows, trend),
        "export": urlencode(query.params(metric="", tier="")),
        "tiers": Tier.choices,
    }
    return render(request, "followups/kpi_dashboard.html", context)


def _export(kind: str, query: KpiQuery, rows) -> HttpResponse:
    header = [_("Figure"), _("Tier"), _("Value"), _("A year's rate")]
    header += [_("Counted"), _("Counted against"), _("Out of"), _("Target")]
    header += [_("Meets the target")]
    lines = [header]
    for row in rows:
        for cell in row.cells:
            lines.append(
                [
                    str(row.metric.label),
                    cell.tier or _("All tiers"),
                    _decimal(cell.value),
                    _decimal(cell.yearly),
                    *(cell.counts.part, cell.counts.other, cell.counts.whole),
                    _decimal(row.metric.target),
                    "" if cell.meets is None else (_("yes") if cell.meets else _("no")),
                ]
            )
    where = query.scope.outlet.code if query.scope.outlet else "network"
    name = f"kpis-{where}-{query.month:%Y-%m}.{kind}"
    if kind == "csv":
        return csv_response(lines, name)
    return xlsx_response(lines, name, title=f"KPI {query.month:%Y-%m}")


def _decimal(found) -> str:
    return "" if found is None else f"{found:.4f}"


@requires(Capability.SEE_KPIS)
def customers(request: StaffRequest) -> HttpResponse:
    """The customers behind one number of the dashboard."""
    form = KpiFilterForm(request.user, request.GET or None)
    try:
        query = _query(request, form, "followups/kpi_customers.html")
    except _Refused as refused:
        return refused.response
    now = timezone.now()
    key = query.metric or CHURN
    found = kpi_customers(
        request.user, query.scope, key, query.month, tier=query.tier, now=now
    ).order_by("name", "pk")
    if request.GET.get("format") in ("csv", "xlsx"):
        return _export_customers(request.GET["format"], query, key, found, now)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = counts_of(key, query.month, [c.pk for c in page], now=now)
    context = {
        "form": form,
        "query": query,
        "metric": metric(key),
        "tier_label": dict(Tier.choices).get(query.tier, ""),
        "page": page,
        "lines": [(c, counts.get(c.pk)) for c in page],
        "back": reverse("followups:kpis:dashboard")
        + "?"
        + urlencode(query.params(metric="", tier="")),
        "here": urlencode(query.params(metric=key)),
    }
    return render(request, "followups/kpi_customers.html", context)


def _export_customers(kind, query, key, found, now) -> HttpResponse:
    m = metric(key)
    assert m is not None  # the key was checked against the figures
    header = [_("Customer"), _("Tier"), _("Outlet"), _("Account manager")]
    lines = [header + [str(c) for c in m.columns if c]]
    for chunk in Paginator(found, 1000):
        counts = counts_of(key, query.month, [c.pk for c in chunk], now=now)
        for c in chunk:
            mine = counts.get(c.pk)
            numbers = [mine.part, mine.other, mine.whole] if mine else [0, 0, 0]
            lines.append(
                [
                    c.name,
                    c.get_tier_display(),
                    c.outlet.name,
                    c.account_manager.display_name if c.account_manager else "",
                    *(n for n, label in zip(numbers, m.columns, strict=True) if label),
                ]
            )
    name = f"kpi-{key.replace(':', '-')}-{query.month:%Y-%m}.{kind}"
    if kind == "csv":
        return csv_response(lines, name)
    return xlsx_response(lines, name, title=key[:31])


@requires(Capability.SEE_CHURN_RISKS)
def churn_risks(request: StaffRequest) -> HttpResponse:
    """Open churn warnings with their reasons: an account manager's book, or
    the outlet's by account manager."""
    form = ChurnFilterForm(request.user, request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    risks = churn_risks_for(
        request.user,
        outlet_id=filters.get("outlet"),
        account_manager_id=filters.get("account_manager"),
        reason=filters.get("reason"),
    )
    page = Paginator(risks, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {"form": form, "page": page, "query": urlencode(query)}
    return render(request, "followups/churn_risks.html", context)
