"""The API of problems (the 1530 stages), shipments with their clocks, and
progress-link rotation. Serializers validate and shape; services write; every
read goes through ``outlets.access.visible``.
"""

from collections.abc import Callable
from datetime import date

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from clocks.api.serializers import ClockSerializer
from customers.models import Customer
from customers.services import progress_link_rotate, progress_url
from lib.bounded_inputs import PlausibleDateTimeField
from lib.bounds import FIRST_DAY, LAST_DAY, is_plausible_day
from outlets.access import Capability, Capable, visible
from outlets.api.references import visible_ref

from ..models import (
    MAX_YUAN,
    PLAN_LENGTH,
    TEXT_LENGTH,
    Liability,
    Milestone,
    Problem,
    ProblemKind,
    ProblemStage,
    RemedyKind,
    Shipment,
    ShipmentStatus,
)
from ..problem_selectors import (
    attach_clocks,
    attach_shipment_clocks,
    liability_summary,
    problem_timeline,
    problems_for,
    reportable_shipments,
)
from ..services.problems import (
    problem_close,
    problem_offer_solution,
    problem_pause,
    problem_remedy,
    problem_report,
    problem_respond,
    problem_resume,
    shipment_report_delay,
)

# --- Filters ------------------------------------------------------------------


class ProblemFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(
        choices=ProblemStage.choices, label=gettext_lazy("Stage")
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=ProblemKind.choices, label=gettext_lazy("Kind")
    )
    outlet = django_filters.NumberFilter(label=gettext_lazy("Outlet"))
    customer = django_filters.NumberFilter(label=gettext_lazy("Customer"))
    shipment = django_filters.NumberFilter(label=gettext_lazy("Shipment"))

    class Meta:
        model = Problem
        fields = ["stage", "kind", "outlet", "customer", "shipment"]


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


# --- Shapes -------------------------------------------------------------------


class TimelineEntrySerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField()
    notes = serializers.SerializerMethodField()

    def get_notes(self, entry) -> list[dict]:
        return [{"label": str(label), "text": text} for label, text in entry.notes]


class ProblemSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.__str__", read_only=True)
    waybill = serializers.CharField(
        source="shipment.waybill", read_only=True, allow_null=True
    )
    clocks = ClockSerializer(many=True, read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id",
            "outlet",
            "customer",
            "customer_name",
            "shipment",
            "waybill",
            "kind",
            "description",
            "stage",
            "owner",
            "reported_by",
            "reported_at",
            "responded_at",
            "solution_offered_at",
            "remedied_at",
            "closed_at",
            "paused_at",
            "handling_plan",
            "new_expected_at",
            "remedy_kind",
            "liability",
            "compensation",
            "clocks",
        ]


class ProblemDetailSerializer(ProblemSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(ProblemSerializer.Meta):
        fields = [
            *ProblemSerializer.Meta.fields,
            "response_note",
            "solution_note",
            "remedy_note",
            "timeline",
        ]

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, problem: Problem) -> list[dict]:
        return TimelineEntrySerializer(problem_timeline(problem), many=True).data


class ProblemReportInput(serializers.Serializer):
    """A shipment (by id or waybill) or, for a problem with no parcel, a customer."""

    shipment = serializers.IntegerField(required=False, allow_null=True)
    waybill = serializers.CharField(required=False, allow_blank=True, max_length=30)
    customer = serializers.IntegerField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=ProblemKind.choices)
    description = serializers.CharField(max_length=TEXT_LENGTH)

    def validate(self, data):
        if not (data.get("shipment") or data.get("waybill") or data.get("customer")):
            raise ValidationError(
                {"shipment": [_("Give the shipment, its waybill or the customer.")]}
            )
        return data


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=TEXT_LENGTH)


class SolutionInput(NoteInput):
    handling_plan = serializers.CharField(
        required=False, allow_blank=True, max_length=PLAN_LENGTH
    )


class RemedyInput(NoteInput):
    remedy_kind = serializers.ChoiceField(choices=RemedyKind.choices)


class CloseInput(serializers.Serializer):
    liability = serializers.ChoiceField(choices=Liability.choices)
    compensation = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, max_value=MAX_YUAN
    )


class DelayInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    new_expected_at = PlausibleDateTimeField()
    plan = serializers.CharField(max_length=PLAN_LENGTH)


class LiabilityPartSerializer(serializers.Serializer):
    liability = serializers.CharField()
    label = serializers.CharField()
    problems = serializers.IntegerField()
    compensation = serializers.DecimalField(max_digits=14, decimal_places=2)


class OutletSummarySerializer(serializers.Serializer):
    outlet = serializers.IntegerField()
    outlet_code = serializers.CharField()
    outlet_name = serializers.CharField()
    problems = serializers.IntegerField()
    compensation = serializers.DecimalField(max_digits=14, decimal_places=2)
    by_liability = LiabilityPartSerializer(many=True)


class SummarySerializer(serializers.Serializer):
    month = serializers.CharField()
    outlets = OutletSummarySerializer(many=True)


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


# --- Views --------------------------------------------------------------------


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class _WithNow:
    # Clocks show the seconds left as of this request.
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


class ProblemViewSet(
    _WithNow, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Problems and their 1530 stages: respond (10 min), offer a solution (50 min),
    remedy (3 h), close with liability and compensation; pause while waiting on
    the customer. A step out of order answers 409."""

    permission_classes = [Capable]
    # Anyone reads (narrowed by access) and reports; the office walks the
    # stages; managers and HQ read the money.
    capabilities = {
        "create": Capability.REPORT_PROBLEM,
        "summary": Capability.SEE_PROBLEM_SUMMARY,
        **dict.fromkeys(
            ("respond", "offer_solution", "remedy", "close", "pause", "resume"),
            Capability.HANDLE_PROBLEM,
        ),
    }
    filterset_class = ProblemFilter
    ordering_fields = ["reported_at", "stage"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return problems_for(self.request.user)

    def get_serializer_class(self):
        return ProblemSerializer if self.action == "list" else ProblemDetailSerializer

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        attach_clocks(page if page is not None else queryset)
        return page

    def get_object(self) -> Problem:
        problem = super().get_object()
        attach_clocks([problem])
        return problem

    @extend_schema(request=ProblemReportInput, responses=ProblemDetailSerializer)
    def create(self, request: Request) -> Response:
        data = _valid(ProblemReportInput, request)
        shipment = self._shipment(data)
        customer = shipment.customer if shipment else None
        if customer is None:
            customer = visible_ref(
                request.user, Customer.objects.all(), data["customer"], "customer"
            )
        problem = problem_report(
            customer=customer,
            shipment=shipment,
            kind=data["kind"],
            description=data["description"],
            reported_by=request.user,
            now=timezone.now(),
        )
        return self._answer(problem, status.HTTP_201_CREATED)

    def _shipment(self, data: dict) -> Shipment | None:
        shipments = reportable_shipments(self.request.user)
        if data.get("shipment"):
            found, field = shipments.filter(pk=data["shipment"]).first(), "shipment"
        elif data.get("waybill"):
            found = shipments.filter(waybill=data["waybill"].strip()).first()
            field = "waybill"
        else:
            return None
        if found is None:
            raise ValidationError({field: [_("Unknown or not yours.")]})
        return found

    def _answer(self, problem: Problem, code: int = status.HTTP_200_OK) -> Response:
        problem = problems_for(self.request.user).get(pk=problem.pk)
        attach_clocks([problem])
        body = ProblemDetailSerializer(problem, context=self.get_serializer_context())
        return Response(body.data, status=code)

    def _step(self, request: Request, shape, run: Callable) -> Response:
        problem = self.get_object()
        data = _valid(shape, request) if shape else {}
        return self._answer(run(problem, data, timezone.now()))

    @extend_schema(request=NoteInput, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk=None) -> Response:
        return self._step(
            request,
            NoteInput,
            lambda p, d, now: problem_respond(problem=p, note=d["note"], now=now),
        )

    @extend_schema(request=SolutionInput, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"], url_path="offer-solution")
    def offer_solution(self, request: Request, pk=None) -> Response:
        return self._step(
            request,
            SolutionInput,
            lambda p, d, now: problem_offer_solution(
                problem=p,
                note=d["note"],
                handling_plan=d.get("handling_plan"),
                now=now,
            ),
        )

    @extend_schema(request=RemedyInput, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def remedy(self, request: Request, pk=None) -> Response:
        return self._step(
            request,
            RemedyInput,
            lambda p, d, now: problem_remedy(
                problem=p, remedy_kind=d["remedy_kind"], note=d["note"], now=now
            ),
        )

    @extend_schema(request=CloseInput, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk=None) -> Response:
        return self._step(
            request,
            CloseInput,
            lambda p, d, now: problem_close(
                problem=p,
                liability=d["liability"],
                compensation=d["compensation"],
                now=now,
            ),
        )

    @extend_schema(request=None, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk=None) -> Response:
        return self._step(
            request, None, lambda p, d, now: problem_pause(problem=p, now=now)
        )

    @extend_schema(request=None, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk=None) -> Response:
        return self._step(
            request, None, lambda p, d, now: problem_resume(problem=p, now=now)
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "month",
                OpenApiTypes.STR,
                description="YYYY-MM; the current month if left out.",
            )
        ],
        responses=SummarySerializer,
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request: Request) -> Response:
        """Closed problems of a month per outlet: count and compensation, in total
        and per liable party."""
        month = _month(request.query_params.get("month"))
        body = {
            "month": f"{month:%Y-%m}",
            "outlets": liability_summary(request.user, month=month),
        }
        return Response(SummarySerializer(body).data)


def _month(value: str | None):
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-"))
        month = date(year, month, 1)
    except ValueError:
        raise ValidationError({"month": [_("Use the form YYYY-MM.")]}) from None
    if not is_plausible_day(month):
        window = {"first": f"{FIRST_DAY:%Y-%m}", "last": f"{LAST_DAY:%Y-%m}"}
        reason = _("Give a month from %(first)s to %(last)s.") % window
        raise ValidationError({"month": [reason]})
    return month


class ShipmentViewSet(
    _WithNow, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
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
        data = _valid(DelayInput, request)
        problem = shipment_report_delay(
            shipment=shipment,
            reason=data["reason"],
            new_expected_at=data["new_expected_at"],
            plan=data["plan"],
            reported_by=request.user,
            now=timezone.now(),
        )
        problem = problems_for(request.user).get(pk=problem.pk)
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
        data = _valid(RotateInput, request)
        customer = visible_ref(
            request.user, Customer.objects.all(), data["customer"], "customer"
        )
        link = progress_link_rotate(customer=customer, now=timezone.now())
        return Response(ProgressLinkSerializer(link).data)
