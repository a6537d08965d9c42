"""Who may see what: the one place every page, endpoint and admin asks.

Each scoped model names the paths from its rows to the outlet, to the customer's
account manager and to the courier. HQ sees everything; everyone else sees their
own outlet, narrowed to their own customers (account managers) or to the work
assigned to them (couriers).
"""

from dataclasses import dataclass

from django.db.models import Model, QuerySet

from .models import Role, Staff


@dataclass(frozen=True)
class Paths:
    outlet: str
    account_manager: str | None = None
    courier: str | None = None


_PATHS: dict[str, Paths] = {
    "outlets.outlet": Paths(outlet="pk"),
    "outlets.staff": Paths(outlet="outlet"),
    "outlets.businesshours": Paths(outlet="outlet"),
    "customers.customer": Paths(
        outlet="outlet",
        account_manager="account_manager",
        courier="pickups__courier",
    ),
    "customers.customerneed": Paths(
        outlet="customer__outlet", account_manager="customer__account_manager"
    ),
    "customers.progresslink": Paths(
        outlet="customer__outlet", account_manager="customer__account_manager"
    ),
    "customers.tierchange": Paths(
        outlet="customer__outlet", account_manager="customer__account_manager"
    ),
    "customers.customerhabits": Paths(
        outlet="customer__outlet",
        account_manager="customer__account_manager",
        courier="customer__pickups__courier",
    ),
    "customers.customernote": Paths(
        outlet="customer__outlet",
        account_manager="customer__account_manager",
        courier="customer__pickups__courier",
    ),
    "shipments.pickuprequest": Paths(
        outlet="outlet",
        account_manager="customer__account_manager",
        courier="courier",
    ),
    "shipments.shipment": Paths(
        outlet="outlet",
        account_manager="customer__account_manager",
        courier="pickup__courier",
    ),
    "shipments.milestone": Paths(
        outlet="shipment__outlet",
        account_manager="shipment__customer__account_manager",
        courier="shipment__pickup__courier",
    ),
    "shipments.problem": Paths(
        outlet="outlet",
        account_manager="customer__account_manager",
        courier="reported_by",
    ),
    "shipments.coldchainreading": Paths(
        outlet="shipment__outlet",
        account_manager="shipment__customer__account_manager",
    ),
    "shipments.excursion": Paths(
        outlet="shipment__outlet",
        account_manager="shipment__customer__account_manager",
    ),
    "followups.clock": Paths(
        outlet="outlet",
        account_manager="customer__account_manager",
        courier="responsible",
    ),
    "followups.message": Paths(
        outlet="outlet", account_manager="customer__account_manager"
    ),
    "followups.clockpolicy": Paths(outlet="outlet"),
}


def paths_for(model: type[Model]) -> Paths:
    return _PATHS[model._meta.label_lower]


def visible(user: Staff, queryset: QuerySet) -> QuerySet:
    """Narrow ``queryset`` to the rows ``user`` may see."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.role == Role.HQ_ADMIN or user.is_superuser:
        return queryset
    paths = paths_for(queryset.model)
    if user.outlet_id is None:
        return queryset.none()
    queryset = queryset.filter(**{paths.outlet: user.outlet_id})
    if user.role == Role.ACCOUNT_MANAGER and paths.account_manager:
        return _through(queryset, paths.account_manager, user)
    if user.role == Role.COURIER:
        if paths.courier is None:
            return queryset.none()
        return _through(queryset, paths.courier, user)
    return queryset


def _through(queryset: QuerySet, path: str, user: Staff) -> QuerySet:
    if "__" not in path:
        return queryset.filter(**{path: user})
    # A path across a to-many relation would repeat rows; filter by key instead.
    keys = queryset.model._default_manager.filter(**{path: user}).values("pk")
    return queryset.filter(pk__in=keys)


def can_manage_outlet(user: Staff, outlet_id: int) -> bool:
    """Managers (and HQ) may change an outlet's settings and policies."""
    if user.role == Role.HQ_ADMIN:
        return True
    return user.role == Role.OUTLET_MANAGER and user.outlet_id == outlet_id
