from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from customers.models import Customer
from outlets.access import Capability, Capable
from outlets.api.inputs import valid_input
from outlets.api.references import visible_ref
from outlets.models import Staff

from ..models import PickupRequest
from .filters import PickupFilter
from .selectors import pickups_for, with_clocks
from .serializers import (
    AcceptInputSerializer,
    ContactInputSerializer,
    EnterInputSerializer,
    PickupCreateSerializer,
    PickUpInputSerializer,
    PickupSerializer,
)
from .services import (
    pickup_accept,
    pickup_check_assigner,
    pickup_contact,
    pickup_create,
    pickup_enter,
    pickup_pick_up,
)


class PickupViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Pickup requests and their four steps; every answer carries the clocks."""

    permission_classes = [Capable]
    # Accepting is taking the pickup or, naming a courier, assigning it: the
    # view and the service decide which (``_courier``, ``pickup_accept``).
    capabilities = {
        "create": Capability.CREATE_PICKUP,
        "contact": Capability.TAKE_PICKUP,
        "pick_up": Capability.TAKE_PICKUP,
        "enter": Capability.ENTER_PARCEL,
    }
    serializer_class = PickupSerializer
    filterset_class = PickupFilter
    ordering_fields = ["requested_at", "window_start"]

    def get_queryset(self):
        return pickups_for(self.request.user)

    def paginate_queryset(self, queryset):
        # Clocks for the whole page in one query (the API always paginates).
        page = super().paginate_queryset(queryset)
        return None if page is None else with_clocks(page)

    def get_object(self) -> PickupRequest:
        return with_clocks([super().get_object()])[0]

    @extend_schema(request=PickupCreateSerializer, responses={201: PickupSerializer})
    def create(self, request):
        data = valid_input(PickupCreateSerializer, request)
        data["customer"] = visible_ref(
            request.user, Customer.objects.all(), data["customer"], "customer"
        )
        pickup = pickup_create(now=timezone.now(), **data)
        return self._answer(pickup, status.HTTP_201_CREATED)

    @extend_schema(request=AcceptInputSerializer, responses=PickupSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        pickup = self.get_object()
        data = valid_input(AcceptInputSerializer, request)
        if (courier_id := data.get("courier")) is None:
            pickup_accept(pickup=pickup, courier=request.user, now=timezone.now())
        else:
            # Refused before the id is looked up: to whoever may not assign,
            # a staff id must say nothing (does it exist, is it visible).
            pickup_check_assigner(pickup=pickup, by=request.user)
            courier = visible_ref(
                request.user, Staff.objects.all(), courier_id, "courier"
            )
            pickup_accept(
                pickup=pickup, courier=courier, by=request.user, now=timezone.now()
            )
        return self._answer(pickup)

    @extend_schema(request=ContactInputSerializer, responses=PickupSerializer)
    @action(detail=True, methods=["post"])
    def contact(self, request, pk=None):
        pickup = self.get_object()
        data = valid_input(ContactInputSerializer, request)
        pickup_contact(
            pickup=pickup,
            courier=request.user,
            method=data["method"],
            now=timezone.now(),
        )
        return self._answer(pickup)

    @extend_schema(request=PickUpInputSerializer, responses=PickupSerializer)
    @action(detail=True, methods=["post"], url_path="pick-up")
    def pick_up(self, request, pk=None):
        pickup = self.get_object()
        data = valid_input(PickUpInputSerializer, request)
        pickup_pick_up(pickup=pickup, courier=request.user, now=timezone.now(), **data)
        return self._answer(pickup)

    @extend_schema(request=EnterInputSerializer, responses=PickupSerializer)
    @action(detail=True, methods=["post"])
    def enter(self, request, pk=None):
        pickup = self.get_object()
        data = valid_input(EnterInputSerializer, request)
        pickup_enter(
            pickup=pickup, waybill=data["waybill"], by=request.user, now=timezone.now()
        )
        return self._answer(pickup)

    def _answer(self, pickup: PickupRequest, code: int = status.HTTP_200_OK):
        """The pickup as it is now, read back through what the user may see."""
        fresh = with_clocks([self.get_queryset().get(pk=pickup.pk)])[0]
        return Response(PickupSerializer(fresh).data, status=code)
