from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lib.log_scrub import scrub
from outlets.admin import NetworkWideAdmin, ReadOnlyAdmin, ScopedAdmin

from .calendar_admin import ArrangementLoadAdmin
from .models import CalendarDay, Clock, ClockPolicy, Message
from .policies import MAX_MINUTES

POLICY_MINUTES = ("minutes", "warn_before_minutes", "escalate_after_minutes")


@admin.register(ClockPolicy)
class ClockPolicyAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = (
        "kind",
        "outlet",
        "tier",
        "need",
        "minutes",
        "warn_before_minutes",
        "counting",
        "escalate_after_minutes",
        "label",
    )
    list_filter = (
        "kind",
        "counting",
        "tier",
        "need",
        ("outlet", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("outlet",)
    search_fields = ("label",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The policy service's bounds (1 minute to 30 days), so the admin too
        # refuses a 10-year policy instead of storing it.
        if db_field.name in POLICY_MINUTES:
            kwargs["max_value"] = MAX_MINUTES
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    # A clock moves only through clocks.sweep (start, meet, pause, the
    # sweep), which claim rows atomically; a hand edit here would race the
    # sweep and skip the breach and escalation messages.
    list_display = (
        "kind",
        "subject_type",
        "subject_id",
        "customer",
        "outlet",
        "responsible",
        "state",
        "due_at",
        "escalation_level",
    )
    list_filter = (
        "state",
        "kind",
        "subject_type",
        "counting",
        ("outlet", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("customer", "outlet", "responsible")
    search_fields = ("customer__name", "customer__company", "policy_label")
    date_hierarchy = "due_at"


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    # The outbox is written in the transaction that caused the message and
    # delivered by a task; editing a row could send it twice or never.
    list_display = (
        "template",
        "channel",
        "masked_address",
        "customer",
        "staff",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    )
    list_filter = (
        "status",
        "channel",
        "template",
        ("outlet", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("customer", "staff", "outlet")
    # Not by address: a phone number searched for would sit in the URL.
    search_fields = ("template", "customer__name", "customer__company")
    date_hierarchy = "created_at"

    @admin.display(description=_("address"), ordering="address")
    def masked_address(self, message: Message) -> str:
        return scrub(message.address)  # a phone as 138****8000


@admin.register(CalendarDay)
class CalendarDayAdmin(ArrangementLoadAdmin, NetworkWideAdmin, admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"
