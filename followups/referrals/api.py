"""The referral API (GET only): who referred whom, and the referral share of
new customers per month. Every read goes through ``visible``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer
from outlets.access import Capability, Capable, visible
from outlets.requests import staff_of

from ..api_queries import MonthField, MonthRangeQuery, query
from .models import Referral
from .selectors import (
    referral_share_by_month,
    referrals_filtered,
    referrals_for,
    with_first_shipment,
)


class ReferralSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    account_manager_name = serializers.CharField(
        source="account_manager.display_name", allow_null=True, default=None
    )
    referred_by_name = serializers.CharField(source="referred_by.__str__")
    referrer_account_manager = serializers.IntegerField(
        source="referred_by.account_manager_id", allow_null=True
    )
    first_shipment_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Null until the referred customer ships.")
    )
    thanked = serializers.BooleanField(
        help_text=_("Whether the referrer's thank-you follow-up was raised.")
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "name",
            "outlet",
            "cooperation_start",
            "account_manager",
            "account_manager_name",
            "referred_by",
            "referred_by_name",
            "referrer_account_manager",
            "first_shipment_at",
            "thanked",
        ]
        read_only_fields = fields


class ReferralQuery(serializers.Serializer):
    outlet = serializers.IntegerField(required=False, min_value=1)
    account_manager = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The referred customer's or the referrer's account manager."),
    )
    month = MonthField(
        required=False, help_text=_("The month cooperation started, YYYY-MM.")
    )


@extend_schema(parameters=[ReferralQuery])
class ReferralListView(ListAPIView):
    """Referrals (转介绍): customers who came because another customer sent
    them, newest first; a manager's outlet, an account manager's customers and
    the referrals their customers made."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.SEE_SURVEYS_AND_REFERRALS}
    serializer_class = ReferralSerializer
    filter_backends = []

    def get_queryset(self):
        params = query(ReferralQuery, self.request)
        referrals = referrals_filtered(
            referrals_for(self.request.user),
            outlet_id=params.get("outlet"),
            account_manager_id=params.get("account_manager"),
            month=params.get("month"),
        )
        return with_first_shipment(referrals)


class ReferralShareQuery(MonthRangeQuery):
    outlet = serializers.IntegerField(required=False, min_value=1)


class ReferralMonthSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    new_customers = serializers.IntegerField(
        help_text=_("Customers whose cooperation started in the month.")
    )
    referred = serializers.IntegerField(help_text=_("Of them, referred by a customer."))
    share = serializers.FloatField(
        allow_null=True,
        help_text=_("Referred / new, as a percentage; null without new ones."),
    )


class ReferralShareView(APIView):
    """The referral share of new customers per month (target: 45%), every
    month from ``first`` to ``last`` listed."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.SEE_SURVEYS_AND_REFERRALS}

    @extend_schema(
        parameters=[ReferralShareQuery],
        responses=ReferralMonthSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = query(ReferralShareQuery, request)
        customers = visible(staff_of(request), Customer.objects.all())
        if params.get("outlet"):
            customers = customers.filter(outlet_id=params["outlet"])
        rows = referral_share_by_month(
            customers, first=params["first"], last=params["last"]
        )
        return Response(ReferralMonthSerializer(rows, many=True).data)
