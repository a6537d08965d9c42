"""Shapes of pickups in the API. Serializers validate; services write."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clocks.api.serializers import TranslatedLabelField
from clocks.models import Clock
from customers.models import Customer
from lib.bounded_inputs import PlausibleDateTimeField

from ..models import (
    MAX_PIECES,
    MAX_WEIGHT_KG,
    MIN_WEIGHT_KG,
    ContactMethod,
    InsuranceAnswer,
    PickupRequest,
)


class PickupClockSerializer(serializers.ModelSerializer):
    policy_label = TranslatedLabelField(read_only=True)

    class Meta:
        model = Clock
        fields = [
            "kind",
            "state",
            "started_at",
            "due_at",
            "warn_at",
            "met_at",
            "breached_at",
            "policy_minutes",
            "policy_label",
        ]


class PickupSerializer(serializers.ModelSerializer):
    """A pickup with its service clocks (attached by ``selectors.with_clocks``)."""

    customer_name: "serializers.StringRelatedField[Customer]" = (
        serializers.StringRelatedField(source="customer")
    )
    waybill = serializers.SerializerMethodField()
    clocks = PickupClockSerializer(many=True, read_only=True)

    class Meta:
        model = PickupRequest
        fields = [
            "id",
            "customer",
            "customer_name",
            "outlet",
            "address",
            "window_start",
            "window_end",
            "goods_description",
            "fragile",
            "valuable",
            "expected_pieces",
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
            "waybill",
            "clocks",
        ]

    def get_waybill(self, pickup: PickupRequest) -> str | None:
        shipment = getattr(pickup, "shipment", None)
        return shipment.waybill if shipment else None


class PickupCreateSerializer(serializers.Serializer):
    """A new request; the customer is resolved against what the user may see."""

    customer = serializers.IntegerField()
    address = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Defaults to the customer's address."),
    )
    window_start = PlausibleDateTimeField()
    window_end = PlausibleDateTimeField()
    goods_description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    fragile = serializers.BooleanField(required=False, default=False)
    valuable = serializers.BooleanField(required=False, default=False)
    expected_pieces = serializers.IntegerField(
        min_value=1, max_value=MAX_PIECES, required=False, default=1
    )


class AcceptInputSerializer(serializers.Serializer):
    courier = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Managers: the courier to assign. Couriers leave it out."),
    )


class ContactInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ContactMethod.choices)


class PickUpInputSerializer(serializers.Serializer):
    pieces = serializers.IntegerField(min_value=1, max_value=MAX_PIECES)
    weight_kg = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=MIN_WEIGHT_KG,
        max_value=MAX_WEIGHT_KG,
    )
    insurance = serializers.ChoiceField(
        choices=[InsuranceAnswer.ACCEPTED, InsuranceAnswer.DECLINED],
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required for fragile or valuable goods."),
    )


class EnterInputSerializer(serializers.Serializer):
    waybill = serializers.CharField(max_length=30)
