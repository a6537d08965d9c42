"""Shapes of follow-ups, the day and the timeline. Serializers validate and
shape; the services in ``followups.services`` write."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.models import Tier
from lib.bounded_inputs import PlausibleDateTimeField

from ..models import (
    NOTE_LENGTH,
    FollowUp,
    FollowUpChannel,
    FollowUpKind,
    FollowUpOutcome,
)


class FollowUpSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.__str__", read_only=True)
    owner_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "outlet",
            "customer",
            "customer_name",
            "owner",
            "owner_name",
            "kind",
            "channel",
            "state",
            "outcome",
            "due_at",
            "overdue",
            "note",
            "result_note",
            "source_key",
            "created_at",
            "created_by",
            "closed_at",
            "closed_by",
        ]
        read_only_fields = fields

    def get_owner_name(self, follow_up: FollowUp) -> str | None:
        return follow_up.owner.display_name if follow_up.owner else None

    def get_overdue(self, follow_up: FollowUp) -> bool:
        now = self.context.get("now")
        return bool(now and follow_up.is_open and follow_up.due_at < now)


class FollowUpCreateInput(serializers.Serializer):
    customer = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=FollowUpKind.choices, default=FollowUpKind.MANUAL
    )
    due_at = PlausibleDateTimeField(help_text=_("From now up to two years ahead."))
    channel = serializers.ChoiceField(
        choices=FollowUpChannel.choices,
        required=False,
        help_text=_("Left out: the customer's preferred channel."),
    )
    owner = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Left out: you (account managers), else the customer's."),
    )
    note = serializers.CharField(
        max_length=NOTE_LENGTH, required=False, allow_blank=True, default=""
    )


class CompleteInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=FollowUpOutcome.choices)
    result_note = serializers.CharField(
        max_length=NOTE_LENGTH, required=False, allow_blank=True, default=""
    )


class RescheduleInput(serializers.Serializer):
    due_at = PlausibleDateTimeField(help_text=_("From now up to two years ahead."))
    result_note = serializers.CharField(
        max_length=NOTE_LENGTH, required=False, allow_blank=True, default=""
    )
    outcome = serializers.ChoiceField(
        choices=FollowUpOutcome.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("What came of the try, if anything (for example no answer)."),
    )


class DeclineInput(serializers.Serializer):
    result_note = serializers.CharField(
        max_length=NOTE_LENGTH, required=False, allow_blank=True, default=""
    )


class ReassignInput(serializers.Serializer):
    owner = serializers.IntegerField()


class OwnerCountsSerializer(serializers.Serializer):
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    owner_name = serializers.SerializerMethodField()
    open = serializers.SerializerMethodField()
    done = serializers.SerializerMethodField()
    declined = serializers.SerializerMethodField()
    cancelled = serializers.SerializerMethodField()
    overdue = serializers.IntegerField()
    total = serializers.IntegerField()

    def get_owner_name(self, entry) -> str | None:
        return entry.owner.display_name if entry.owner else None

    def get_open(self, entry) -> int:
        return entry.counts["open"]

    def get_done(self, entry) -> int:
        return entry.counts["done"]

    def get_declined(self, entry) -> int:
        return entry.counts["declined"]

    def get_cancelled(self, entry) -> int:
        return entry.counts["cancelled"]


# --- The day ---------------------------------------------------------------------


class FileNoteSerializer(serializers.Serializer):
    noted_on = serializers.DateField()
    text = serializers.CharField()
    author = serializers.CharField(source="author.display_name", allow_null=True)


class DayDateSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    date = serializers.DateField()
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label


class FileHabitsSerializer(serializers.Serializer):
    pickup_window_start = serializers.TimeField(allow_null=True)
    pickup_window_end = serializers.TimeField(allow_null=True)
    days_unavailable = serializers.ListField(child=serializers.IntegerField())
    prefers_parcel_locker = serializers.BooleanField()
    packaging_preference = serializers.CharField()


class CustomerFileSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="customer.pk")
    name = serializers.CharField(source="customer.__str__")
    tier = serializers.ChoiceField(source="customer.tier", choices=Tier.choices)
    habits = FileHabitsSerializer(allow_null=True)
    notes = FileNoteSerializer(many=True)
    dates = serializers.SerializerMethodField()

    @extend_schema_field(DayDateSerializer(many=True))
    def get_dates(self, file) -> list[dict]:
        return [
            _date(file.customer.pk, when, personal) for when, personal in file.dates
        ]


def _date(customer_id: int, when, personal) -> dict:
    return {
        "customer": customer_id,
        "date": when,
        "kind": personal.kind,
        "label": personal.label or str(personal.get_kind_display()),
    }


class BreachSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")  # type: ignore[assignment]
    customer = serializers.IntegerField(source="customer_id")
    due_at = serializers.DateTimeField()
    breached_at = serializers.DateTimeField()
    escalation_level = serializers.IntegerField()


class OpenProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")  # type: ignore[assignment]
    stage = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    waybill = serializers.CharField(source="shipment.waybill", allow_null=True)
    reported_at = serializers.DateTimeField()


class DaySerializer(serializers.Serializer):
    date = serializers.DateField(source="today")
    follow_ups = FollowUpSerializer(many=True)
    follow_ups_more = serializers.IntegerField(
        help_text=_("Due by today but beyond this list: see /follow-ups/.")
    )
    warehouse_warnings = FollowUpSerializer(many=True)
    personal_dates = serializers.SerializerMethodField()
    breaches = BreachSerializer(many=True)
    problems = OpenProblemSerializer(many=True)
    customers = serializers.SerializerMethodField()

    @extend_schema_field(DayDateSerializer(many=True))
    def get_personal_dates(self, day) -> list[dict]:
        return [_date(*row[:3]) for row in day.personal_dates]

    @extend_schema_field(CustomerFileSerializer(many=True))
    def get_customers(self, day) -> list[dict]:
        rows = CustomerFileSerializer(list(day.files.values()), many=True)
        return rows.data  # type: ignore[return-value]  # a list: many=True


# --- The timeline ----------------------------------------------------------------


class CustomerTimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(
        choices=[
            "tier",
            "tenure",
            "follow_up",
            "note",
            "problem",
            "message",
            "survey",
        ]
    )
    title = serializers.CharField()
    text = serializers.CharField()
    who = serializers.CharField()
    outcome = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()

    def get_outcome(self, entry) -> str | None:
        return (
            getattr(entry.subject, "outcome", None)
            if entry.kind == "follow_up"
            else None
        )

    def get_id(self, entry) -> int | None:
        return getattr(entry.subject, "pk", None)


class CustomerTimelineSerializer(serializers.Serializer):
    entries = CustomerTimelineEntrySerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text=_("The URL of older entries; null at the start.")
    )
