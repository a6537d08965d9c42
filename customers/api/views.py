from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from outlets.access import Capability, Capable
from outlets.api.references import outlet_for, visible_ref
from outlets.models import Staff

from ..filters import CustomerFilter
from ..models import Customer
from ..selectors import customers_for
from ..services import customer_add_note, customer_create, customer_update_habits
from .serializers import (
    CustomerDetailSerializer,
    CustomerInputSerializer,
    CustomerSerializer,
    HabitsSerializer,
    NoteSerializer,
)


class CustomerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [Capable]
    capabilities = {
        "create": Capability.ADD_CUSTOMER,
        "notes": Capability.ADD_NOTE,
        "habits": Capability.EDIT_CUSTOMER_FILE,
    }
    filterset_class = CustomerFilter
    ordering_fields = ["name", "monthly_volume", "cooperation_start", "tier"]

    def get_queryset(self):
        queryset = customers_for(self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("notes__author", "tier_changes")
        return queryset

    def get_serializer_class(self):
        return (
            CustomerDetailSerializer
            if self.action == "retrieve"
            else (CustomerSerializer)
        )

    @extend_schema(request=CustomerInputSerializer, responses=CustomerSerializer)
    def create(self, request):
        data = _valid(CustomerInputSerializer, request)
        user = request.user
        outlet = outlet_for(user, data.pop("outlet", None))
        data["account_manager"] = visible_ref(
            user, Staff.objects.all(), data.get("account_manager"), "account_manager"
        )
        data["referred_by"] = visible_ref(
            user, Customer.objects.all(), data.get("referred_by"), "referred_by"
        )
        data["needs"] = sorted(data.get("needs", []))
        customer = customer_create(outlet=outlet, created_by=user, **data)
        # Read back as listed; one handed to a colleague is no longer the
        # creator's to see, but this answer still is.
        shown = self.get_queryset().filter(pk=customer.pk).first() or customer
        body = CustomerSerializer(shown).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=NoteSerializer, responses=NoteSerializer)
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        customer = self.get_object()
        data = _valid(NoteSerializer, request)
        note = customer_add_note(
            customer=customer,
            author=request.user,
            text=data["text"],
            noted_on=data.get("noted_on", timezone.localdate()),
        )
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=HabitsSerializer, responses=HabitsSerializer)
    @action(detail=True, methods=["patch"])
    def habits(self, request, pk=None):
        """Change the structured customer file; fields left out stay as they are."""
        customer = self.get_object()
        data = _valid(HabitsSerializer, request, partial=True)
        habits = customer_update_habits(customer=customer, **data)
        return Response(HabitsSerializer(habits).data)


def _valid(serializer_class, request, partial: bool = False) -> dict:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
