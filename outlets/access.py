"""Who may see what and who may do what: the one place every page, endpoint,
template and admin asks.

Each scoped model names the paths from its rows to the outlet, to the customer's
account manager and to the courier. HQ sees everything; everyone else sees their
own outlet, narrowed to their own customers (account managers) or to the work
assigned to them (couriers).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from .api.permissions import IsActiveStaff
from .models import Role, Staff
from .requests import StaffRequest


@dataclass(frozen=True)
class Paths:
    outlet: str
    account_manager: str | None = None
    courier: str | None = None
    # A second way a row is an account manager's (a follow-up they own, or one
    # about their customer): either path lets them see it.
    account_manager_also: str | None = None


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
    "customers.importjob": Paths(outlet="outlet", account_manager="created_by"),
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
    "clocks.clock": Paths(
        outlet="outlet",
        account_manager="customer__account_manager",
        courier="responsible",
    ),
    "clocks.message": Paths(
        outlet="outlet", account_manager="customer__account_manager"
    ),
    "clocks.clockpolicy": Paths(outlet="outlet"),
    "customers.personaldate": Paths(
        outlet="customer__outlet", account_manager="customer__account_manager"
    ),
    "customers.customercaretag": Paths(
        outlet="customer__outlet", account_manager="customer__account_manager"
    ),
    "followups.campaign": Paths(outlet="outlet"),
    "followups.careplanrule": Paths(outlet="outlet"),
    "followups.warehousefill": Paths(
        outlet="customer__outlet", account_manager="customer__account_manager"
    ),
    "followups.followup": Paths(
        outlet="outlet",
        account_manager="owner",
        account_manager_also="customer__account_manager",
    ),
    "followups.survey": Paths(
        outlet="outlet", account_manager="customer__account_manager"
    ),
    # The referred customer's outlet; an account manager sees the referrals of
    # their customers and those their customers made (they thank the referrer).
    "followups.referral": Paths(
        outlet="outlet",
        account_manager="account_manager",
        account_manager_also="referred_by__account_manager",
    ),
    "followups.churnrisk": Paths(
        outlet="outlet", account_manager="customer__account_manager"
    ),
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
        if paths.account_manager_also:
            return _either(
                queryset, paths.account_manager, paths.account_manager_also, user
            )
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


def _either(queryset: QuerySet, path: str, also: str, user: Staff) -> QuerySet:
    mine = models.Q(**{path: user}) | models.Q(**{also: user})
    return queryset.filter(mine)


# --- Who may do what ----------------------------------------------------------
# Seeing a row is ``visible`` above; doing something is a capability below. A
# page (``requires``), an endpoint (``Capable``) and a template (``|may``) all
# ask ``may``, so the two surfaces cannot drift apart. docs/capabilities.md is
# this table in prose; tests/test_capabilities.py walks it on both surfaces.


class Capability(models.TextChoices):
    ADD_CUSTOMER = "add_customer", _("Add a customer")
    EDIT_CUSTOMER_FILE = "edit_customer_file", _("Edit the customer file")
    IMPORT_CUSTOMERS = "import_customers", _("Import customers from a file")
    EXPORT_CUSTOMERS = "export_customers", _("Export customers to a file")
    ADD_NOTE = "add_note", _("Add a note about a customer")
    ROTATE_PROGRESS_LINK = "rotate_progress_link", _("Issue a new progress link")
    CREATE_PICKUP = "create_pickup", _("Create a pickup request")
    TAKE_PICKUP = "take_pickup", _("Take a pickup: accept, contact, pick up")
    ASSIGN_COURIER = "assign_courier", _("Assign a pickup to a courier")
    ENTER_PARCEL = "enter_parcel", _("Enter a picked-up parcel")
    REPORT_PROBLEM = "report_problem", _("Report a problem")
    SEND_DELAY_NOTICE = "send_delay_notice", _("Send a delay notice to a customer")
    HANDLE_PROBLEM = "handle_problem", _("Handle a problem through its stages")
    SEE_PROBLEM_SUMMARY = "see_problem_summary", _("See liability and compensation")
    WATCH_COLD_CHAIN = "watch_cold_chain", _("Watch and answer cold-chain alarms")
    SEE_CLOCK_BOARD = "see_clock_board", _("See the outlet's clock board")
    EXPORT_REPORTS = "export_reports", _("Read and export the breach report")
    EDIT_POLICIES = "edit_policies", _("Read and change the outlet's policies")
    EDIT_NETWORK_POLICIES = "edit_network_policies", _("Change network defaults")
    RUN_CAMPAIGNS = "run_campaigns", _("Run care campaigns and promotion seasons")
    WORK_FOLLOW_UPS = "work_follow_ups", _("Plan and close follow-ups")
    MANAGE_FOLLOW_UPS = (
        "manage_follow_ups",
        _("See everyone's follow-ups and reassign them"),
    )
    EDIT_CARE_PLANS = "edit_care_plans", _("Read and change the outlet's care plan")
    REVEAL_PHONE = "reveal_phone", _("See a customer's full phone number")
    SEE_AUDIT_TRAIL = "see_audit_trail", _("See who changed customers and policies")
    SEE_SURVEYS_AND_REFERRALS = (
        "see_surveys_and_referrals",
        _("See survey answers and referrals"),
    )
    SEE_CHURN_RISKS = "see_churn_risks", _("See customers at risk of leaving")
    SEE_KPIS = "see_kpis", _("See the outlet's KPI dashboard")
    SEE_NETWORK_KPIS = "see_network_kpis", _("See the network's KPI figures")


_HQ, _MANAGER = Role.HQ_ADMIN, Role.OUTLET_MANAGER
_MANAGERS = frozenset({_HQ, _MANAGER})
_OFFICE = _MANAGERS | {Role.ACCOUNT_MANAGER}
_EVERYONE = _OFFICE | {Role.COURIER}

ROLES: dict[Capability, frozenset[str]] = {
    Capability.ADD_CUSTOMER: _OFFICE,
    # The account manager keeps the structured file; what a courier learns at
    # the door goes in a note, which the account manager turns into the file.
    Capability.EDIT_CUSTOMER_FILE: _OFFICE,
    # A file changes or carries the whole book at once: the manager's call.
    Capability.IMPORT_CUSTOMERS: _MANAGERS,
    Capability.EXPORT_CUSTOMERS: _MANAGERS,
    Capability.ADD_NOTE: _EVERYONE,
    Capability.ROTATE_PROGRESS_LINK: _OFFICE,
    Capability.CREATE_PICKUP: _EVERYONE,
    Capability.TAKE_PICKUP: frozenset({Role.COURIER}),
    Capability.ASSIGN_COURIER: _MANAGERS,
    Capability.ENTER_PARCEL: _EVERYONE,
    Capability.REPORT_PROBLEM: _EVERYONE,
    # Free text to a customer speaks for the outlet: the office writes it.
    Capability.SEND_DELAY_NOTICE: _OFFICE,
    Capability.HANDLE_PROBLEM: _OFFICE,
    Capability.SEE_PROBLEM_SUMMARY: _MANAGERS,
    Capability.WATCH_COLD_CHAIN: _OFFICE,
    Capability.SEE_CLOCK_BOARD: _MANAGERS,
    Capability.EXPORT_REPORTS: _MANAGERS,
    Capability.EDIT_POLICIES: _MANAGERS,
    Capability.EDIT_NETWORK_POLICIES: frozenset({_HQ}),
    # A campaign speaks to many customers at once for the outlet: managers.
    Capability.RUN_CAMPAIGNS: _MANAGERS,
    Capability.WORK_FOLLOW_UPS: _OFFICE,
    Capability.MANAGE_FOLLOW_UPS: _MANAGERS,
    # How often the book is contacted is the outlet's policy, like its clocks.
    Capability.EDIT_CARE_PLANS: _MANAGERS,
    # Lists mask phones; the office calls from the customer page (recorded),
    # a courier from their own pickup's page only.
    Capability.REVEAL_PHONE: _OFFICE,
    Capability.SEE_AUDIT_TRAIL: _MANAGERS,
    # What customers answered and who sent whom: the office's, not the courier's.
    Capability.SEE_SURVEYS_AND_REFERRALS: _OFFICE,
    # An account manager keeps their own book: they see its risks, not the
    # outlet's figures, which are how the manager is judged.
    Capability.SEE_CHURN_RISKS: _OFFICE,
    Capability.SEE_KPIS: _MANAGERS,
    Capability.SEE_NETWORK_KPIS: frozenset({_HQ}),
}


def role_of(user: Staff) -> str | None:
    """The role the table knows the user by: a superuser works at HQ."""
    if not user.is_authenticated or not user.is_active:
        return None
    return Role.HQ_ADMIN if user.is_superuser else user.role


def may(user: Staff, capability: str, *, outlet_id: int | None = None) -> bool:
    """Whether ``user``'s role has ``capability``; with ``outlet_id``, also
    whether the user works there (HQ works everywhere)."""
    role = role_of(user)
    if role not in ROLES[Capability(capability)]:
        return False
    return outlet_id is None or role == Role.HQ_ADMIN or user.outlet_id == outlet_id


def requires(capability: Capability) -> Callable[[Callable], Callable]:
    """Page decorator: anonymous users go to the login page; a logged-in user
    without ``capability`` gets 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(request: StaffRequest, *args, **kwargs) -> HttpResponse:
            if not may(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        # Kept on the view, so the capability a page needs can be looked up.
        guarded.capability = capability  # type: ignore[attr-defined]
        return guarded

    return decorate


class Capable(IsActiveStaff):
    """The one API permission: the view's ``capabilities`` maps an action (or
    ``"*"``, every action) to the capability it needs; an action without one
    needs only a login (what it reads is narrowed by ``visible``)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        capability = required_capability(view, getattr(view, "action", None))
        if capability is None or may(request.user, capability):
            return True
        self.message = _("Your role may not do this: %(what)s.") % {
            "what": Capability(capability).label
        }
        return False


def required_capability(view, action: str | None) -> Capability | None:
    capabilities = getattr(view, "capabilities", {})
    return capabilities.get(action, capabilities.get("*"))
