from django.contrib import admin
from django.db.models import ForeignKey
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lib.phones import mask_phone
from outlets.admin import NetworkWideAdmin, ReadOnlyAdmin, ScopedAdmin, ScopedChoices
from outlets.models import Role, Staff

from .models import (
    Customer,
    CustomerHabits,
    CustomerNeed,
    CustomerNote,
    ProgressLink,
    TierChange,
    TierThresholds,
)


@admin.register(TierThresholds)
class TierThresholdsAdmin(NetworkWideAdmin, admin.ModelAdmin):
    list_display = ("__str__", "casual_below", "key_min", "strategic_min")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row holds the thresholds; a second would never be read.
        exists = TierThresholds.objects.exists()
        return not exists and super().has_add_permission(request)


class CustomerNeedInline(ScopedChoices, admin.TabularInline):
    model = CustomerNeed
    extra = 0


class CustomerHabitsInline(ScopedChoices, admin.StackedInline):
    model = CustomerHabits
    can_delete = False
    max_num = 1


class CustomerNoteInline(ScopedChoices, admin.TabularInline):
    model = CustomerNote
    extra = 0
    fields = ("noted_on", "text", "author")


@admin.register(Customer)
class CustomerAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = (
        "name",
        "company",
        "masked_phone",
        "outlet",
        "tier",
        "monthly_volume",
        "account_manager",
    )
    list_filter = (
        "tier",
        ("outlet", admin.RelatedOnlyFieldListFilter),
        "preferred_channel",
        "needs__need",
    )
    list_select_related = ("outlet", "account_manager")
    # Not by phone: the number searched for would sit in the URL (?q=).
    search_fields = ("name", "company", "contact_person")
    autocomplete_fields = ("referred_by",)
    # Tiers are recomputed from shipped volume by a service; a hand edit would
    # be overwritten at the next recount and leave no TierChange behind.
    readonly_fields = ("tier", "monthly_volume", "tier_computed_at", "created_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "outlet",
                    "name",
                    "company",
                    "contact_person",
                    "phone",
                    "address",
                    "account_manager",
                    "cooperation_start",
                    "referred_by",
                )
            },
        ),
        (
            _("How to reach them"),
            {
                "fields": (
                    "preferred_channel",
                    "language",
                    "wechat_openid",
                    "quiet_hours_start",
                    "quiet_hours_end",
                )
            },
        ),
        (
            _("Tier"),
            {"fields": ("tier", "monthly_volume", "tier_computed_at", "created_at")},
        ),
    )
    inlines = [CustomerNeedInline, CustomerHabitsInline, CustomerNoteInline]

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs
    ):
        if db_field.name == "account_manager":
            kwargs["queryset"] = Staff.objects.filter(role=Role.ACCOUNT_MANAGER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("phone"), ordering="phone")
    def masked_phone(self, customer: Customer) -> str:
        return mask_phone(customer.phone)  # the form shows it in full


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    list_display = ("customer", "from_tier", "to_tier", "volume", "changed_at")
    list_filter = ("to_tier", "from_tier")
    list_select_related = ("customer",)
    search_fields = ("customer__name", "customer__company")
    date_hierarchy = "changed_at"


@admin.register(ProgressLink)
class ProgressLinkAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ("__str__", "customer", "created_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    list_select_related = ("customer",)
    search_fields = ("customer__name", "customer__company")
    date_hierarchy = "created_at"
    # The token is a bearer secret, minted by a service; here a link can only
    # be looked up and revoked.
    fields = ("customer", "created_at", "revoked_at")
    readonly_fields = ("customer", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
