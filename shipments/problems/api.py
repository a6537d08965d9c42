"""The API of problems (the 1530 stages). Serializers validate and shape;
services write; every read goes through ``outlets.access.visible``.
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
from lib.bounds import FIRST_DAY, LAST_DAY, is_plausible_day
from outlets.access import Capability, Capable
from outlets.api.inputs import valid_input
from outlets.api.references import visible_ref
from outlets.requests import staff_of

from ..models import (
    MAX_YUAN,
    PLAN_LENGTH,
    TEXT_LENGTH,
    Liability,
    Problem,
    ProblemKind,
    ProblemStage,
    RemedyKind,
    Shipment,
)
from .selectors import (
    attach_clocks,
    liability_summary,
    problem_timeline,
    problems_for,
    reportable_shipments,
)
from .services import (
    problem_close,
    problem_offer_solution,
    problem_pause,
    problem_remedy,
    problem_report,
    problem_respond,
    problem_resume,
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


# --- Shapes -------------------------------------------------------------------


class TimelineEntrySerializer(serializers.Serializer):
    stage = serializers.CharField()
    # A field named like Field.label: DRF's metaclass takes it as a field.
    label = serializers.CharField()  # type: ignore[assignment]
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
        rows = TimelineEntrySerializer(problem_timeline(problem), many=True)
        return rows.data  # type: ignore[return-value]  # a list: many=True


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


class LiabilityPartSerializer(serializers.Serializer):
    liability = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, as above
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


# --- Views --------------------------------------------------------------------


class WithNow:
    # Clocks show the seconds left as of this request.
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


class ProblemViewSet(
    WithNow, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
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
        data = valid_input(ProblemReportInput, request)
        shipment = self._shipment(data)
        customer = shipment.customer if shipment else None
        if customer is None:
            customer = visible_ref(
                staff_of(request), Customer.objects.all(), data["customer"], "customer"
            )
        # validate() asks for a shipment, a waybill or a customer.
        assert customer is not None
        problem = problem_report(
            customer=customer,
            shipment=shipment,
            kind=data["kind"],
            description=data["description"],
            reported_by=staff_of(request),
            now=timezone.now(),
        )
        return self._answer(problem, status.HTTP_201_CREATED)

    def _shipment(self, data: dict) -> Shipment | None:
        shipments = reportable_shipments(staff_of(self.request))
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
        problem = problems_for(staff_of(self.request)).get(pk=problem.pk)
        attach_clocks([problem])
        body = ProblemDetailSerializer(problem, context=self.get_serializer_context())
        return Response(body.data, status=code)

    def _step(self, request: Request, shape, run: Callable) -> Response:
        problem = self.get_object()
        data = valid_input(shape, request) if shape else {}
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
            "outlets": liability_summary(staff_of(request), month=month),
        }
        return Response(SummarySerializer(body).data)


def _month(value: str | None):
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        year, number = (int(part) for part in value.split("-"))
        month = date(year, number, 1)
    except ValueError:
        raise ValidationError({"month": [_("Use the form YYYY-MM.")]}) from None
    if not is_plausible_day(month):
        window = {"first": f"{FIRST_DAY:%Y-%m}", "last": f"{LAST_DAY:%Y-%m}"}
        reason = _("Give a month from %(first)s to %(last)s.") % window
        raise ValidationError({"month": [reason]})
    return month
