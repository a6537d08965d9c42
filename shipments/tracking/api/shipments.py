"""The API of shipments with their milestones and clocks, the delay notice, and
progress-link rotation. Serializers validate and shape; services write; every
read goes through ``outlets.access.visible``.
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clocks.api.serializers import ClockSerializer
from customers.models import Customer
from customers.services import progress_link_rotate, progress_url
from lib.bounded_inputs import PlausibleDateTimeField
from outlets.access import Capability, Capable, visible
from outlets.api.inputs import valid_input
from outlets.api.references import visible_ref
from outlets.requests import staff_of
from shipments.models import PLAN_LENGTH, Milestone, Problem, Shipment, ShipmentStatus
from shipments.problems.api import ProblemDetailSerializer, WithNow
from shipments.problems.selectors import (
    attach_clocks,
    attach_shipment_clocks,
    problems_for,
)
from shipments.problems.services import shipment_report_delay


class ShipmentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=ShipmentStatus.choices, label=gettext_lazy("Status")
    )
    customer = django_filters.NumberFilter(label=gettext_lazy("Customer"))
    waybill = django_filters.CharFilter(
        label=gettext_lazy("Waybill number"), max_length=30
    )

    class Meta:
        model = Shipment
        fields = ["status", "customer", "waybill"]


class DelayInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    new_expected_at = PlausibleDateTimeField()
    plan = serializers.CharField(max_length=PLAN_LENGTH)


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["kind", "occurred_at", "location", "note", "recorded_at"]


class ShipmentProblemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Problem
        fields = ["id", "kind", "stage", "reported_at", "handling_plan"]


class ShipmentSerializer(serializers.ModelSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True)
    problems = ShipmentProblemSerializer(many=True, read_only=True)
    clocks = ClockSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "waybill",
            "customer",
            "outlet",
            "service_level",
            "status",
            "goods_description",
            "cold_chain",
            "fragile",
            "valuable",
            "pieces",
            "weight_kg",
            "declared_value",
            "insured_value",
            "expected_arrival",
            "created_at",
            "milestones",
            "problems",
            "clocks",
        ]


class RotateInput(serializers.Serializer):
    customer = serializers.IntegerField()


class ProgressLinkSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_url(self, link) -> str:
        return progress_url(link.token)


class ShipmentViewSet(
    WithNow, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Shipments with their milestones, open problems and service clocks."""

    permission_classes = [Capable]
    capabilities = {"delay": Capability.SEND_DELAY_NOTICE}
    serializer_class = ShipmentSerializer
    filterset_class = ShipmentFilter
    ordering_fields = ["created_at", "expected_arrival", "status"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return visible(self.request.user, Shipment.objects.all()).prefetch_related(
            "milestones", "problems", "excursions"
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_shipment_clocks(page)
        return page

    def get_object(self) -> Shipment:
        shipment = super().get_object()
        attach_shipment_clocks([shipment])
        return shipment

    @extend_schema(request=DelayInput, responses={201: ProblemDetailSerializer})
    @action(detail=True, methods=["post"])
    def delay(self, request: Request, pk=None) -> Response:
        """Report a delay: the customer is told at once, with the new time and plan."""
        shipment = self.get_object()
        data = valid_input(DelayInput, request)
        problem = shipment_report_delay(
            shipment=shipment,
            reason=data["reason"],
            new_expected_at=data["new_expected_at"],
            plan=data["plan"],
            reported_by=staff_of(request),
            now=timezone.now(),
        )
        problem = problems_for(staff_of(request)).get(pk=problem.pk)
        attach_clocks([problem])
        body = ProblemDetailSerializer(problem, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)


class ProgressLinkViewSet(viewsets.GenericViewSet):
    permission_classes = [Capable]
    capabilities = {"*": Capability.ROTATE_PROGRESS_LINK}
    serializer_class = ProgressLinkSerializer

    def get_queryset(self):
        return visible(self.request.user, Customer.objects.all())

    @extend_schema(request=RotateInput, responses=ProgressLinkSerializer)
    @action(detail=False, methods=["post"])
    def rotate(self, request: Request) -> Response:
        """Revoke the customer's board link and issue a new one."""
        data = valid_input(RotateInput, request)
        customer = visible_ref(
            staff_of(request), Customer.objects.all(), data["customer"], "customer"
        )
        assert customer is not None  # RotateInput requires the id
        link = progress_link_rotate(customer=customer, now=timezone.now())
        return Response(ProgressLinkSerializer(link).data)
