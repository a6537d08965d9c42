"""The survey API (GET only): answers an account manager's tools read, for the
outlet or one customer. Every read goes through ``visible``; the token (the
customer's key) is never shown."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView

from customers.models import Customer
from outlets.access import Capability, Capable, visible

from ..api_queries import MonthField, query
from .models import NpsGroup, Survey, SurveyReason
from .selectors import surveys_filtered, surveys_for


class SurveySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.__str__", read_only=True)
    waybill = serializers.CharField(
        source="shipment.waybill", allow_null=True, default=None, read_only=True
    )
    month = serializers.DateField(format="%Y-%m", read_only=True)
    group = serializers.ChoiceField(
        choices=NpsGroup.choices,
        allow_null=True,
        read_only=True,
        help_text=_("Promoter 9-10, passive 7-8, detractor 0-6; null unanswered."),
    )

    class Meta:
        model = Survey
        fields = [
            "id",
            "outlet",
            "customer",
            "customer_name",
            "reason",
            "shipment",
            "waybill",
            "problem",
            "month",
            "sent_at",
            "expires_at",
            "answered_at",
            "score",
            "group",
            "comment",
            "language",
            "follow_up",
        ]
        read_only_fields = fields


class SurveyQuery(serializers.Serializer):
    outlet = serializers.IntegerField(required=False, min_value=1)
    customer = serializers.IntegerField(required=False, min_value=1)
    account_manager = serializers.IntegerField(required=False, min_value=1)
    reason = serializers.ChoiceField(choices=SurveyReason.choices, required=False)
    group = serializers.ChoiceField(choices=NpsGroup.choices, required=False)
    answered = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("true: answered only; false: not (yet) answered."),
    )
    month = MonthField(required=False, help_text=_("The month it was sent, YYYY-MM."))


def _filtered(request, surveys):
    params = query(SurveyQuery, request)
    return surveys_filtered(
        surveys,
        outlet_id=params.get("outlet"),
        customer_id=params.get("customer"),
        account_manager_id=params.get("account_manager"),
        reason=params.get("reason"),
        group=params.get("group"),
        answered_only=params.get("answered"),
        month=params.get("month"),
    ).order_by("-sent_at", "-pk")


@extend_schema(parameters=[SurveyQuery])
class SurveyListView(ListAPIView):
    """Surveys (NPS, 满意度调查) sent and answered, newest first: a manager's
    outlet, an account manager's own customers."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.SEE_SURVEYS_AND_REFERRALS}
    serializer_class = SurveySerializer
    filter_backends = []

    def get_queryset(self):
        return _filtered(self.request, surveys_for(self.request.user))


class SurveyDetailView(RetrieveAPIView):
    """One survey and its answer."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.SEE_SURVEYS_AND_REFERRALS}
    serializer_class = SurveySerializer

    def get_queryset(self):
        return surveys_for(self.request.user)


@extend_schema(parameters=[SurveyQuery])
class CustomerSurveysView(ListAPIView):
    """One customer's surveys and answers, newest first."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.SEE_SURVEYS_AND_REFERRALS}
    serializer_class = SurveySerializer
    filter_backends = []

    def get_queryset(self):
        user = self.request.user
        customer = get_object_or_404(
            visible(user, Customer.objects.all()), pk=self.kwargs["pk"]
        )
        return _filtered(self.request, surveys_for(user).filter(customer=customer))
