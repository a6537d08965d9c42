"""A KPI request's parameters, read the one way pages and endpoints share:
``month`` (YYYY-MM, default the current), ``outlet`` (an id), ``scope``
(``network`` for all outlets, HQ only), ``tier`` and ``metric``."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from outlets.errors import DomainError
from outlets.models import Staff

from .figures import TIERS, metric
from .months import parse_month
from .selectors import Scope, kpi_scope

NETWORK = "network"


@dataclass(frozen=True)
class KpiQuery:
    scope: Scope
    month: date
    tier: str
    metric: str

    def params(self, **changes) -> dict:
        """The query string that asks for this again (with ``changes``)."""
        found: dict[str, str | int] = {
            "month": self.month.strftime("%Y-%m"),
            "tier": self.tier,
            "metric": self.metric,
        }
        if self.scope.outlet_id is None:
            found["scope"] = NETWORK
        else:
            found["outlet"] = self.scope.outlet_id
        found.update(changes)
        return {key: value for key, value in found.items() if value not in ("", None)}


def kpi_query(user: Staff, params: Mapping[str, str], *, now: datetime) -> KpiQuery:
    """Raises DomainError (400) for a bad month, outlet, tier or figure, and
    NotAllowed (403) for the network asked by someone not at HQ."""
    month = parse_month(params.get("month"), now=now)
    tier = params.get("tier") or ""
    if tier and tier not in TIERS:
        raise _bad("tier", _("Unknown tier: %(value)s") % {"value": tier})
    key = params.get("metric") or ""
    if key and metric(key) is None:
        raise _bad("metric", _("Unknown figure: %(value)s") % {"value": key})
    network = params.get("scope") == NETWORK
    scope = kpi_scope(user, outlet_id=_outlet_id(params.get("outlet")), network=network)
    return KpiQuery(scope, month, tier, key)


def _outlet_id(text: str | None) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise _bad("outlet", _("Unknown or not yours: %(id)s") % {"id": text[:20]})
    return int(text)


def _bad(field: str, message) -> DomainError:
    return DomainError(message, fields={field: [message]})
