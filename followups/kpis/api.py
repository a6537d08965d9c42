"""The KPI and churn-warning API (GET only), for account managers' and
managers' own tools. Glue: read the parameters (``queries.kpi_query``), call a
selector, shape the answer; a refusal answers in the API's one error shape."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer, Tier
from outlets.access import Capability, Capable
from outlets.requests import staff_of

from .figures import Counts
from .models import ChurnReason, ChurnRisk
from .queries import NETWORK, kpi_query
from .selectors import (
    churn_risks_for,
    counts_of,
    figure_rows,
    kpi_customers,
    kpi_trend,
    month_counts,
)

MONTH = OpenApiParameter(
    "month", str, description="YYYY-MM, 2000-01 to the current month (default)."
)
OUTLET = OpenApiParameter(
    "outlet", int, description="An outlet you may see; default your own."
)
SCOPE = OpenApiParameter(
    "scope", str, enum=[NETWORK], description="network: every outlet (HQ only)."
)
TIER = OpenApiParameter("tier", str, enum=[t for t, _l in Tier.choices])
METRIC = OpenApiParameter(
    "metric",
    str,
    required=True,
    description="churn, nps, referral_share, volume_growth, follow_up_on_time "
    "or sla:<clock kind>.",
)


class CellSerializer(serializers.Serializer):
    tier = serializers.CharField(help_text=_("Empty for all tiers."))
    value = serializers.DecimalField(
        max_digits=20, decimal_places=4, allow_null=True, coerce_to_string=False
    )
    yearly = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        allow_null=True,
        coerce_to_string=False,
        help_text=_("Churn only: the monthly rate as a year's."),
    )
    part = serializers.IntegerField(source="counts.part")
    other = serializers.IntegerField(source="counts.other")
    whole = serializers.IntegerField(source="counts.whole")
    meets = serializers.BooleanField(allow_null=True)
    customers = serializers.SerializerMethodField()

    def get_customers(self, cell) -> str:
        query = self.context["query"]
        params = query.params(metric=cell.metric.key, tier=cell.tier)
        url = reverse("api-kpi-customers") + "?" + urlencode(params)
        return self.context["request"].build_absolute_uri(url)


class FigureRowSerializer(serializers.Serializer):
    metric = serializers.CharField(source="metric.key")
    label = serializers.CharField(source="metric.label")  # type: ignore[assignment]
    target = serializers.DecimalField(
        source="metric.target",
        max_digits=10,
        decimal_places=4,
        allow_null=True,
        coerce_to_string=False,
    )
    lower_is_better = serializers.BooleanField(source="metric.lower_is_better")
    cells = CellSerializer(many=True)


class KpiMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    outlet = serializers.IntegerField(allow_null=True, help_text=_("Null: network."))
    frozen = serializers.BooleanField(
        help_text=_("True: read from the month's snapshot, never recomputed.")
    )
    as_of = serializers.DateTimeField()
    figures = FigureRowSerializer(many=True)


class KpiView(APIView):
    """A month's figures by tier beside the handbook's targets."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.SEE_KPIS}

    @extend_schema(parameters=[MONTH, OUTLET, SCOPE], responses=KpiMonthSerializer)
    def get(self, request: Request) -> Response:
        query = kpi_query(staff_of(request), request.query_params, now=timezone.now())
        counts = month_counts(query.scope, query.month, now=timezone.now())
        body = {
            "month": query.month,
            "outlet": query.scope.outlet_id,
            "frozen": counts.frozen,
            "as_of": counts.as_of,
            "figures": figure_rows(counts),
        }
        context = {"request": request, "query": query}
        return Response(KpiMonthSerializer(body, context=context).data)


class TrendPointSerializer(serializers.Serializer):
    month = serializers.DateField()
    frozen = serializers.BooleanField()
    figures = serializers.SerializerMethodField()

    def get_figures(self, point) -> dict[str, float | None]:
        if point.figures is None:
            return {}
        return {
            key: None if f.value is None else float(f.value)
            for key, f in point.figures.items()
        }


class KpiTrendSerializer(serializers.Serializer):
    outlet = serializers.IntegerField(allow_null=True)
    points = TrendPointSerializer(many=True)


class KpiTrendView(APIView):
    """The 12 months up to ``month``, all tiers; a month never frozen (before
    the snapshots began) has no figures."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.SEE_KPIS}

    @extend_schema(parameters=[MONTH, OUTLET, SCOPE], responses=KpiTrendSerializer)
    def get(self, request: Request) -> Response:
        now = timezone.now()
        query = kpi_query(staff_of(request), request.query_params, now=now)
        points = kpi_trend(query.scope, query.month, now=now)
        body = {"outlet": query.scope.outlet_id, "points": points}
        return Response(KpiTrendSerializer(body).data)


class KpiCustomerSerializer(serializers.ModelSerializer):
    account_manager = serializers.CharField(
        source="account_manager.display_name", default=None
    )
    part = serializers.SerializerMethodField()
    other = serializers.SerializerMethodField()
    whole = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "name", "tier", "outlet", "account_manager"]
        fields += ["part", "other", "whole"]

    def _counts(self, customer) -> Counts:
        return self.context["counts"].get(customer.pk, Counts())

    def get_part(self, customer) -> int:
        return self._counts(customer).part

    def get_other(self, customer) -> int:
        return self._counts(customer).other

    def get_whole(self, customer) -> int:
        return self._counts(customer).whole


class KpiCustomersView(generics.ListAPIView):
    """The customers behind one number, with their own counts in it (for the
    churn rate: those who churned). Today's reading of the month."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.SEE_KPIS}
    serializer_class = KpiCustomerSerializer
    filter_backends = []

    def get_queryset(self):
        self.now = timezone.now()
        self.query = kpi_query(
            self.request.user, self.request.query_params, now=self.now
        )
        key = self.query.metric or "churn"
        return kpi_customers(
            self.request.user,
            self.query.scope,
            key,
            self.query.month,
            tier=self.query.tier,
            now=self.now,
        ).order_by("name", "pk")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        key = self.query.metric or "churn"
        ids = [customer.pk for customer in page or []]
        self.counts = counts_of(key, self.query.month, ids, now=self.now)
        return page

    def get_serializer_context(self) -> dict:
        return {
            **super().get_serializer_context(),
            "counts": getattr(self, "counts", {}),
        }

    @extend_schema(parameters=[METRIC, MONTH, OUTLET, SCOPE, TIER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ChurnRiskSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name")
    account_manager = serializers.IntegerField(
        source="customer.account_manager_id", allow_null=True
    )
    reason_label = serializers.CharField(source="get_reason_display")

    class Meta:
        model = ChurnRisk
        fields = [
            "id",
            "outlet",
            "customer",
            "customer_name",
            "account_manager",
            "reason",
            "reason_label",
            "recent_volume",
            "usual_volume",
            "last_shipment_at",
            "problem",
            "score",
            "raised_at",
            "seen_at",
        ]
        read_only_fields = fields


class ChurnRiskListView(generics.ListAPIView):
    """Open churn risks (流失预警) with their reasons, newest first: an account
    manager's customers, or a manager's outlet (filter by account manager)."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.SEE_CHURN_RISKS}
    serializer_class = ChurnRiskSerializer
    filter_backends = []

    def get_queryset(self):
        params = self.request.query_params
        return churn_risks_for(
            self.request.user,
            outlet_id=_number(params, "outlet"),
            account_manager_id=_number(params, "account_manager"),
            reason=serializers.ChoiceField(
                choices=ChurnReason.choices, allow_blank=True
            ).run_validation(params.get("reason", "")),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("outlet", int),
            OpenApiParameter("account_manager", int),
            OpenApiParameter("reason", str, enum=ChurnReason.values),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _number(params, name: str) -> int | None:
    text = params.get(name)
    if text in (None, ""):
        return None
    field = serializers.IntegerField(min_value=1, max_value=2**62)
    try:
        return field.run_validation(text)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from error
