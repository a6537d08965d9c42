"""Pickups, shipments and problems: looked up and corrected here, run elsewhere.

Each step of a pickup or a problem is a service (its sub-package's
``services.py``) that also starts or meets a clock and writes the customer's
message. So the admin cannot create these rows or move their state: it may
only correct what was typed (an address, a description, the customer picked by
mistake).
"""

from django.contrib import admin
from django.http import HttpRequest

from outlets.admin import ReadOnlyAdmin, SameOutletForm, ScopedAdmin, ScopedChoices

from .models import ColdChainReading, Milestone, PickupRequest, Problem, Shipment


class NoAddAdmin:
    """Rows that only a service creates, because creating one starts a clock."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(PickupRequest)
class PickupRequestAdmin(NoAddAdmin, ScopedAdmin, admin.ModelAdmin):
    form = SameOutletForm
    list_display = (
        "__str__",
        "outlet",
        "status",
        "window_start",
        "window_end",
        "courier",
        "requested_at",
    )
    list_filter = (
        "status",
        ("outlet", admin.RelatedOnlyFieldListFilter),
        "fragile",
        "valuable",
        "insurance",
    )
    list_select_related = ("customer", "outlet", "courier")
    search_fields = (
        "customer__name",
        "customer__company",
        "address",
        "goods_description",
    )
    date_hierarchy = "requested_at"
    autocomplete_fields = ("customer",)
    # The workflow's state: accept, contact, pick up and enter are services
    # (shipments.pickups.services) that start and meet the pickup clocks.
    readonly_fields = (
        "outlet",
        "courier",
        "status",
        "requested_at",
        "accepted_at",
        "contacted_at",
        "contact_method",
        "picked_up_at",
        "verified_pieces",
        "verified_weight_kg",
        "insurance",
        "entered_at",
    )


class MilestoneInline(ReadOnlyAdmin, ScopedChoices, admin.TabularInline):
    # Recording a milestone tells the customer and starts the push clock, so
    # milestones come in through milestone_record, never through this form.
    model = Milestone
    extra = 0
    fields = ("kind", "occurred_at", "location", "note", "recorded_at")


@admin.register(Shipment)
class ShipmentAdmin(ScopedAdmin, admin.ModelAdmin):
    form = SameOutletForm
    list_display = (
        "waybill",
        "customer",
        "outlet",
        "service_level",
        "status",
        "cold_chain",
        "created_at",
    )
    list_filter = (
        "status",
        "service_level",
        "cold_chain",
        "fragile",
        "valuable",
        ("outlet", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("customer", "outlet")
    search_fields = ("waybill", "customer__name", "customer__company")
    date_hierarchy = "created_at"
    autocomplete_fields = ("customer",)
    # The status follows the milestones; the pickup link is set on entry.
    readonly_fields = ("status", "pickup")
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(NoAddAdmin, ScopedAdmin, admin.ModelAdmin):
    list_display = ("shipment", "kind", "occurred_at", "location", "recorded_at")
    list_filter = ("kind",)
    list_select_related = ("shipment",)
    search_fields = ("shipment__waybill", "location")
    date_hierarchy = "occurred_at"
    # Which milestone it is decides the shipment's status and what the
    # customer was told; only when and where it happened may be corrected.
    readonly_fields = ("shipment", "kind", "recorded_at")


@admin.register(Problem)
class ProblemAdmin(NoAddAdmin, ScopedAdmin, admin.ModelAdmin):
    form = SameOutletForm
    list_display = ("__str__", "customer", "outlet", "stage", "owner", "reported_at")
    list_filter = (
        "stage",
        "kind",
        "liability",
        ("outlet", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("customer", "outlet", "owner")
    search_fields = (
        "description",
        "customer__name",
        "customer__company",
        "shipment__waybill",
    )
    date_hierarchy = "reported_at"
    autocomplete_fields = ("customer", "shipment")
    # Respond, offer a solution, remedy and close are services that walk the
    # 1530 stages in order and meet each stage's clock; so is the owner, who is
    # the one the clocks hold responsible.
    readonly_fields = (
        "outlet",
        "stage",
        "reported_by",
        "owner",
        "reported_at",
        "responded_at",
        "response_note",
        "solution_offered_at",
        "solution_note",
        "remedied_at",
        "remedy_kind",
        "remedy_note",
        "closed_at",
        "liability",
        "compensation",
        "paused_at",
    )


@admin.register(ColdChainReading)
class ColdChainReadingAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    # Sensor readings are evidence for excursions and claims: kept as received.
    list_display = ("shipment", "taken_at", "temperature_c", "humidity_pct")
    list_select_related = ("shipment",)
    search_fields = ("shipment__waybill",)
    date_hierarchy = "taken_at"
