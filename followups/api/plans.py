"""Care-plan rules and the key customer's freight discount in the API.

Serializers validate and shape; the services in ``followups.care_plans`` and
``customers.discounts`` write.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.discounts import customer_set_freight_discount
from customers.models import Customer
from customers.selectors import customers_for
from outlets.access import Capability, Capable
from outlets.api.references import visible_ref
from outlets.models import Outlet, Staff

from ..care_plans.models import PLAN_KINDS, CarePlanRule, CarePlanScope
from ..care_plans.rules import care_plan_rule_reset, care_plan_rule_save
from ..care_plans.selectors import care_plan_rules_for
from ..models import FollowUpChannel


class CarePlanRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CarePlanRule
        fields = [
            "id",
            "outlet",
            "scope",
            "value",
            "kind",
            "channel",
            "cadence_days",
            "offset_days",
            "active",
        ]
        read_only_fields = fields


class CarePlanRuleInputSerializer(serializers.Serializer):
    """A rule to save. The days are checked by ``care_plan_rule_save``."""

    outlet = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Omit for your own outlet; HQ sends null for the network default."),
    )
    scope = serializers.ChoiceField(choices=CarePlanScope.choices)
    value = serializers.CharField(
        max_length=20, help_text=_("A tier, tenure or need, as the scope says.")
    )
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in PLAN_KINDS])
    channel = serializers.ChoiceField(choices=FollowUpChannel.choices)
    cadence_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Every this many days, 1 to 365; or give offset_days."),
    )
    offset_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Once, this many days after the cooperation start, 1 to 365."),
    )
    active = serializers.BooleanField(required=False, default=True)


OUTLET_PARAMETER = OpenApiParameter(
    "outlet",
    int,
    description="Only this outlet's rules (with the network defaults). Without "
    "it HQ sees every outlet's rules.",
)


class CarePlanRuleViewSet(
    mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The network's care plan and the outlet rules that replace parts of it."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.EDIT_CARE_PLANS}
    serializer_class = CarePlanRuleSerializer
    filter_backends = []

    def get_queryset(self):
        outlet = self.request.query_params.get("outlet")
        if outlet not in (None, ""):
            outlet = serializers.IntegerField().run_validation(outlet)
        return care_plan_rules_for(self.request.user, outlet_id=outlet or None)

    @extend_schema(parameters=[OUTLET_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=CarePlanRuleInputSerializer,
        responses={201: CarePlanRuleSerializer},
        summary="Create or change the rule of one scope and kind",
        description="From the next night's plan on. Outlet managers change their "
        "own outlet (a rule there replaces the network's for the same scope and "
        "kind; active false switches it off there), HQ the network defaults "
        "(outlet null) and any outlet.",
    )
    def create(self, request):
        serializer = CarePlanRuleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["outlet"] = _rule_outlet(request.user, data)
        rule = care_plan_rule_save(by=request.user, **data)
        return Response(
            CarePlanRuleSerializer(rule).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(summary="Delete an outlet's rule: the network default applies")
    def destroy(self, request, *args, **kwargs):
        care_plan_rule_reset(by=request.user, rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _rule_outlet(user: Staff, data: dict) -> Outlet | None:
    """Omitted: the user's own outlet (HQ: the network). An outlet they cannot
    see answers like one that does not exist."""
    if "outlet" not in data:
        return None if user.is_hq else user.outlet
    return visible_ref(user, Outlet.objects.all(), data["outlet"], "outlet")


class FreightDiscountSerializer(serializers.Serializer):
    freight_discount_percent = serializers.DecimalField(
        max_digits=12,
        decimal_places=6,
        coerce_to_string=False,
        help_text=_("0 to 50, at most one decimal place; 0 is the list price."),
    )


class CustomerDiscountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "freight_discount_percent"]
        read_only_fields = fields


class FreightDiscountView(APIView):
    """The VIP pool: a key customer's discount off the list freight price."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.EDIT_CUSTOMER_FILE}

    @extend_schema(
        request=FreightDiscountSerializer,
        responses=CustomerDiscountSerializer,
        summary="Set a customer's freight discount, 0 to 50 %",
    )
    def put(self, request, pk: int):
        customer = get_object_or_404(customers_for(request.user), pk=pk)
        serializer = FreightDiscountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        percent = serializer.validated_data["freight_discount_percent"]
        customer = customer_set_freight_discount(customer=customer, percent=percent)
        return Response(CustomerDiscountSerializer(customer).data)

    @extend_schema(
        request=FreightDiscountSerializer,
        responses=CustomerDiscountSerializer,
        summary="Set a customer's freight discount, 0 to 50 %",
    )
    def patch(self, request, pk: int):
        return self.put(request, pk)
