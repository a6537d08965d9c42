"""The API of cold-chain excursions: read them with their alarm clock and
readings, record the handling, confirm damage. Serializers validate and shape;
the services in ``shipments.coldchain.excursions`` write; reads are the pages'
(``shipments.coldchain.selectors``), which go through ``outlets.access.visible``.
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clocks.api.serializers import ClockSerializer
from outlets.access import Capability, Capable
from outlets.api.inputs import valid_input
from outlets.requests import staff_of

from ..models import TEXT_LENGTH, ColdChainReading, Excursion, ExcursionState
from ..tracking.api.ingest import MAX_ITEMS, RECENT, RESULTS, IngestView
from .excursions import excursion_confirm, excursion_handle
from .readings import readings_record_bulk
from .selectors import attach_alarm_clocks, excursion_readings, excursions_for


class ExcursionFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(
        choices=ExcursionState.choices, label=_("State")
    )
    shipment = django_filters.NumberFilter(label=_("Shipment"))
    customer = django_filters.NumberFilter(
        field_name="shipment__customer", label=_("Customer")
    )

    class Meta:
        model = Excursion
        fields = ["state", "shipment", "customer"]


class ExcursionReadingSerializer(serializers.ModelSerializer):
    outside = serializers.BooleanField(
        read_only=True, help_text=_("Out of the shipment's allowed range.")
    )

    class Meta:
        model = ColdChainReading
        fields = ["taken_at", "temperature_c", "humidity_pct", "outside"]


class ExcursionSerializer(serializers.ModelSerializer):
    waybill = serializers.CharField(source="shipment.waybill", read_only=True)
    customer = serializers.IntegerField(source="shipment.customer_id", read_only=True)
    customer_name = serializers.CharField(
        source="shipment.customer.__str__", read_only=True
    )
    outlet = serializers.IntegerField(source="shipment.outlet_id", read_only=True)
    temperature_min_c = serializers.DecimalField(
        source="shipment.temperature_min_c",
        max_digits=5,
        decimal_places=1,
        read_only=True,
        allow_null=True,
    )
    temperature_max_c = serializers.DecimalField(
        source="shipment.temperature_max_c",
        max_digits=5,
        decimal_places=1,
        read_only=True,
        allow_null=True,
    )
    clock = serializers.SerializerMethodField()

    class Meta:
        model = Excursion
        fields = [
            "id",
            "shipment",
            "waybill",
            "customer",
            "customer_name",
            "outlet",
            "state",
            "started_at",
            "last_out_at",
            "alarmed_at",
            "ended_at",
            "temperature_min_c",
            "temperature_max_c",
            "worst_temperature_c",
            "handled_at",
            "handled_by",
            "handling_note",
            "problem",
            "clock",
        ]
        read_only_fields = fields

    @extend_schema_field(ClockSerializer(allow_null=True))
    def get_clock(self, excursion: Excursion) -> dict | None:
        """The 5-minute alarm clock; null while the excursion is only suspected."""
        clock = getattr(excursion, "clock", None)
        if clock is None:
            return None
        return ClockSerializer(clock, context=self.context).data


class ExcursionDetailSerializer(ExcursionSerializer):
    readings = serializers.SerializerMethodField()

    class Meta(ExcursionSerializer.Meta):
        fields = [*ExcursionSerializer.Meta.fields, "readings"]
        read_only_fields = fields

    @extend_schema_field(ExcursionReadingSerializer(many=True))
    def get_readings(self, excursion: Excursion) -> list[dict]:
        """From half an hour before the excursion to its end (or now)."""
        readings = excursion_readings(excursion, now=self.context["now"])
        rows = ExcursionReadingSerializer(readings, many=True)
        return rows.data  # type: ignore[return-value]  # a list: many=True


class HandleInput(serializers.Serializer):
    note = serializers.CharField(help_text=_("What was done."), max_length=TEXT_LENGTH)


class ConfirmOutput(serializers.Serializer):
    problem = serializers.IntegerField(help_text=_("The damage problem opened."))


class ExcursionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Cold-chain excursions. Handling one meets its 5-minute alarm clock;
    confirming damage opens a problem (the 1530 clocks). Doing either twice
    answers 409."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.WATCH_COLD_CHAIN}
    filterset_class = ExcursionFilter
    ordering_fields = ["started_at", "alarmed_at", "state"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return excursions_for(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return ExcursionSerializer
        return ExcursionDetailSerializer

    def get_serializer_context(self):
        # Clocks show the seconds left as of this request.
        return {**super().get_serializer_context(), "now": timezone.now()}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        attach_alarm_clocks(page if page is not None else queryset)
        return page

    def get_object(self) -> Excursion:
        excursion = super().get_object()
        attach_alarm_clocks([excursion])
        return excursion

    @extend_schema(request=HandleInput, responses=ExcursionDetailSerializer)
    @action(detail=True, methods=["post"])
    def handle(self, request: Request, pk=None) -> Response:
        """Record what was done; the alarm clock is met."""
        excursion = self.get_object()
        data = valid_input(HandleInput, request)
        excursion_handle(
            excursion=excursion,
            by=staff_of(request),
            note=data["note"],
            now=timezone.now(),
        )
        return self._answer(excursion.pk)

    @extend_schema(request=None, responses={201: ConfirmOutput})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk=None) -> Response:
        """The goods are harmed: open a damage problem and answer its id."""
        excursion = self.get_object()
        problem = excursion_confirm(
            excursion=excursion, by=staff_of(request), now=timezone.now()
        )
        body = ConfirmOutput({"problem": problem.pk}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _answer(self, pk: int) -> Response:
        excursion = self.get_queryset().get(pk=pk)
        attach_alarm_clocks([excursion])
        body = ExcursionDetailSerializer(
            excursion, context=self.get_serializer_context()
        )
        return Response(body.data)


# --- Bulk readings from sensors ------------------------------------------------


class ReadingSerializer(serializers.Serializer):
    waybill = serializers.CharField(max_length=30)
    taken_at = serializers.DateTimeField(help_text=RECENT)
    temperature_c = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        help_text=_("From -90 to 90 °C (after converting, when the unit is F)."),
    )
    humidity_pct = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
    )
    unit = serializers.ChoiceField(choices=["C", "F"])


class ReadingBatchSerializer(serializers.Serializer):
    # ListSerializer takes max_length; the stubs do not pass it through.
    readings = ReadingSerializer(many=True, max_length=MAX_ITEMS)  # type: ignore[call-arg]


class ReadingsView(IngestView):
    key = "readings"

    def record(self, items: list, **kwargs) -> list[dict]:
        return readings_record_bulk(items, **kwargs)

    @extend_schema(request=ReadingBatchSerializer, responses=RESULTS)
    def post(self, request):
        """Store up to 1,000 cold-chain readings; one result per reading."""
        return super().post(request)
