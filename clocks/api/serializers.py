"""Clocks and clock policies in the API. Serializers validate; services write."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from customers.models import Customer, Need, Tier

from ..models import Clock, ClockKind, ClockPolicy, Counting
from ..selectors import seconds_left


class TranslatedLabelField(serializers.CharField):
    """A stored label shown in the request's language.

    The default policies store their English msgid ("Priority pickup", copied
    onto each clock they start), so it is translated here, when the answer is
    rendered, never when stored. A label typed by a manager has no entry in the
    catalogue and reads as typed.
    """

    def to_representation(self, value: str) -> str:
        # gettext("") would answer the catalogue's header.
        return gettext(value) if value else value


class ClockSerializer(serializers.ModelSerializer):
    customer_name: "serializers.StringRelatedField[Customer]" = (
        serializers.StringRelatedField(source="customer")
    )
    policy_label = TranslatedLabelField(read_only=True)
    seconds_left = serializers.SerializerMethodField(
        help_text=_(
            "Seconds until the deadline: negative once overdue, frozen "
            "while paused, null once met or cancelled."
        )
    )

    class Meta:
        model = Clock
        fields = [
            "id",
            "kind",
            "subject_type",
            "subject_id",
            "outlet",
            "customer",
            "customer_name",
            "responsible",
            "policy_minutes",
            "policy_label",
            "counting",
            "state",
            "started_at",
            "warn_at",
            "due_at",
            "warned_at",
            "met_at",
            "breached_at",
            "paused_seconds",
            "escalation_level",
            "seconds_left",
        ]
        read_only_fields = fields

    def get_seconds_left(self, clock: Clock) -> int | None:
        return seconds_left(clock, self.context["now"])


class ClockPolicySerializer(serializers.ModelSerializer):
    # A field named like Field.label: DRF's metaclass takes it as a field.
    label = TranslatedLabelField(read_only=True)  # type: ignore[assignment]

    class Meta:
        model = ClockPolicy
        fields = [
            "id",
            "outlet",
            "kind",
            "tier",
            "need",
            "minutes",
            "warn_before_minutes",
            "counting",
            "escalate_after_minutes",
            "label",
        ]
        read_only_fields = fields


class ClockPolicyInputSerializer(serializers.Serializer):
    """A policy to save. The limits themselves are checked by ``policy_save``."""

    outlet = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Omit for your own outlet; HQ sends null for the network default."),
    )
    kind = serializers.ChoiceField(choices=ClockKind.choices)
    tier = serializers.ChoiceField(
        choices=Tier.choices, required=False, allow_blank=True, default=""
    )
    need = serializers.ChoiceField(
        choices=Need.choices, required=False, allow_blank=True, default=""
    )
    minutes = serializers.IntegerField(
        help_text=_("The limit, from 1 minute to 30 days (43,200 minutes).")
    )
    warn_before_minutes = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_(
            "Omit to keep this rule's warning, or for a new rule the clock's "
            "usual lead scaled to the limit (none for a 1-minute limit)."
        ),
    )
    counting = serializers.ChoiceField(
        choices=Counting.choices,
        required=False,
        allow_blank=True,
        help_text=_(
            "Omit to keep this rule's counting, or for a new rule the clock's "
            "usual one: business hours for pickup contact and entry, around the "
            "clock for the others."
        ),
    )
    escalate_after_minutes = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Omit to keep this rule's, or 30 minutes for a new rule."),
    )
    label = serializers.CharField(  # type: ignore[assignment]  # a field, as above
        required=False, allow_blank=True, default=""
    )
