from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from outlets.access import Capability, Capable
from outlets.api.inputs import valid_input
from outlets.api.references import visible_ref
from outlets.models import Outlet, Staff

from ..filters import ClockFilter
from ..policies import default_policy_outlet, policy_save
from ..selectors import clocks_for, policies_for
from .serializers import (
    ClockPolicyInputSerializer,
    ClockPolicySerializer,
    ClockSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="Service clocks you may see, by deadline"),
    retrieve=extend_schema(summary="One service clock"),
)
class ClockViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only: clocks start and stop with the work they measure."""

    serializer_class = ClockSerializer
    filterset_class = ClockFilter
    ordering_fields = [
        "due_at",
        "started_at",
        "breached_at",
        "met_at",
        "escalation_level",
    ]
    ordering = ["due_at", "pk"]

    def get_queryset(self):
        return clocks_for(self.request.user)

    def get_serializer_context(self):
        # One instant for the whole page, so seconds_left agree with each other.
        return {**super().get_serializer_context(), "now": timezone.now()}


OUTLET_PARAMETER = OpenApiParameter(
    "outlet",
    int,
    description="Only this outlet's overrides (with the network "
    "defaults). Without it HQ sees every outlet's rows.",
)


class ClockPolicyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The network defaults and the outlet overrides that decide a clock's limit."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.EDIT_POLICIES}
    serializer_class = ClockPolicySerializer
    # The outlet parameter widens to the network defaults, unlike a plain filter.
    filter_backends = [OrderingFilter]
    ordering_fields = ["kind", "minutes"]

    def get_queryset(self):
        outlet = self.request.query_params.get("outlet")
        if outlet not in (None, ""):
            outlet = serializers.IntegerField().run_validation(outlet)
        return policies_for(self.request.user, outlet_id=outlet or None)

    @extend_schema(parameters=[OUTLET_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ClockPolicyInputSerializer,
        responses={201: ClockPolicySerializer},
        summary="Create or change the policy of one scope",
        description="Applies to clocks started afterwards; running clocks keep "
        "their limit. Outlet managers change their own outlet, HQ the network "
        "defaults (outlet null) and any outlet.",
    )
    def create(self, request):
        data = valid_input(ClockPolicyInputSerializer, request)
        data["outlet"] = _policy_outlet(request.user, data)
        policy = policy_save(by=request.user, **data)
        return Response(
            ClockPolicySerializer(policy).data, status=status.HTTP_201_CREATED
        )


def _policy_outlet(user: Staff, data: dict) -> Outlet | None:
    """Omitted: the user's own outlet (HQ: the network). An outlet they cannot
    see answers like one that does not exist."""
    if "outlet" not in data:
        return default_policy_outlet(user)
    return visible_ref(user, Outlet.objects.all(), data["outlet"], "outlet")
