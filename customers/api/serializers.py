"""Shapes of customers in the API. Serializers validate; services write."""

from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from lib.bounded_inputs import PlausibleDateField
from lib.phones import mask_phone
from outlets.models import Staff

from ..models import (
    Channel,
    Customer,
    CustomerCareTag,
    CustomerHabits,
    CustomerNote,
    Need,
    PersonalDate,
    PromisedDelivery,
    TierChange,
)
from ..tenure import tenure_on


class HabitsSerializer(serializers.ModelSerializer):
    days_unavailable = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        max_length=7,
    )

    class Meta:
        model = CustomerHabits
        fields = [
            "pickup_window_start",
            "pickup_window_end",
            "days_unavailable",
            "prefers_parcel_locker",
            "packaging_preference",
        ]


class NoteSerializer(serializers.ModelSerializer):
    author: "serializers.StringRelatedField[Staff]" = serializers.StringRelatedField()

    class Meta:
        model = CustomerNote
        fields = ["id", "noted_on", "text", "author"]
        read_only_fields = ["id", "author"]
        extra_kwargs = {"noted_on": {"required": False}}


class TierChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TierChange
        fields = ["from_tier", "to_tier", "volume", "changed_at"]


class CustomerSerializer(serializers.ModelSerializer):
    needs = serializers.SerializerMethodField()
    tenure = serializers.SerializerMethodField()
    habits = HabitsSerializer(read_only=True)
    account_manager: "serializers.StringRelatedField[Staff]" = (
        serializers.StringRelatedField()
    )
    # Masked (138****8000) in every answer; POST .../reveal-phone/ for the number.
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "outlet",
            "name",
            "company",
            "contact_person",
            "phone",
            "address",
            "account_manager",
            "cooperation_start",
            "referred_by",
            "needs",
            "preferred_channel",
            "language",
            "quiet_hours_start",
            "quiet_hours_end",
            "tier",
            "monthly_volume",
            "freight_discount_percent",
            "cold_temperature_min_c",
            "cold_temperature_max_c",
            "cold_humidity_min_pct",
            "cold_humidity_max_pct",
            "guarantee_48h",
            "promised_delivery",
            "tenure",
            "habits",
        ]

    def get_phone(self, customer: Customer) -> str:
        return mask_phone(customer.phone)

    def get_needs(self, customer: Customer) -> list[str]:
        return [row.need for row in customer.needs.all()]

    def get_tenure(self, customer: Customer) -> str:
        return tenure_on(customer.cooperation_start, timezone.localdate())


class PersonalDateSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalDate
        fields = ["id", "kind", "label", "month", "day", "year"]


class CustomerDetailSerializer(CustomerSerializer):
    notes = NoteSerializer(many=True, read_only=True)
    tier_changes = TierChangeSerializer(many=True, read_only=True)
    # The care part of the file; changed through /api/v1/customers/<id>/care/
    # and /personal-dates/.
    care_tags: "serializers.SlugRelatedField[CustomerCareTag]" = (
        serializers.SlugRelatedField(many=True, read_only=True, slug_field="tag")
    )
    personal_dates = PersonalDateSerializer(many=True, read_only=True)

    class Meta(CustomerSerializer.Meta):
        fields = [
            *CustomerSerializer.Meta.fields,
            "notes",
            "tier_changes",
            "care_opt_out",
            "care_tags",
            "personal_dates",
        ]


def _range(low: int, high: int) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=4 if high == 100 else 5,
        decimal_places=1,
        min_value=Decimal(low),
        max_value=Decimal(high),
        required=False,
        allow_null=True,
    )


class CustomerInputSerializer(serializers.Serializer):
    """What a new customer needs; outlet-scoped references are checked by the view."""

    outlet = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=100)
    company = serializers.CharField(max_length=150, required=False, allow_blank=True)
    contact_person = serializers.CharField(
        max_length=100, required=False, allow_blank=True
    )
    phone = PhoneNumberField()
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    account_manager = serializers.IntegerField(required=False, allow_null=True)
    cooperation_start = PlausibleDateField()
    referred_by = serializers.IntegerField(required=False, allow_null=True)
    needs = serializers.MultipleChoiceField(choices=Need.choices, required=False)
    preferred_channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    quiet_hours_start = serializers.TimeField(required=False, allow_null=True)
    quiet_hours_end = serializers.TimeField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    cold_temperature_min_c = _range(-90, 90)
    cold_temperature_max_c = _range(-90, 90)
    cold_humidity_min_pct = _range(0, 100)
    cold_humidity_max_pct = _range(0, 100)
    guarantee_48h = serializers.BooleanField(required=False)
    promised_delivery = serializers.ChoiceField(
        choices=PromisedDelivery.choices, required=False, allow_blank=True
    )

    def validate(self, data):
        if ("quiet_hours_start" in data) != ("quiet_hours_end" in data):
            raise serializers.ValidationError(
                {"quiet_hours_end": [_("Give both ends of the quiet hours.")]}
            )
        return data


class CustomerChangeSerializer(CustomerInputSerializer):
    """PATCH: any of the book's fields; a customer stays in its outlet."""

    outlet = None  # type: ignore[assignment]  # DRF's way to drop an inherited field

    def validate(self, data):
        return data


class RevealedPhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text=_("The full number, E.164."))
