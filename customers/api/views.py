from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from outlets.access import Capability, Capable
from outlets.api.inputs import valid_input
from outlets.api.references import outlet_for, visible_ref
from outlets.models import Staff

from ..filters import CustomerFilter
from ..models import Customer, PhoneRevealVia
from ..phone_reveals import phone_reveal
from ..selectors import customers_for
from ..services import (
    customer_add_note,
    customer_create,
    customer_note_update,
    customer_update,
    customer_update_habits,
)
from .serializers import (
    CustomerChangeSerializer,
    CustomerDetailSerializer,
    CustomerInputSerializer,
    CustomerSerializer,
    HabitsSerializer,
    NoteSerializer,
    RevealedPhoneSerializer,
)


class CustomerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [Capable]
    capabilities = {
        "create": Capability.ADD_CUSTOMER,
        "partial_update": Capability.EDIT_CUSTOMER_FILE,
        "notes": Capability.ADD_NOTE,
        # Whose note it is (its author's, or any for a manager): the service.
        "note": Capability.ADD_NOTE,
        "habits": Capability.EDIT_CUSTOMER_FILE,
        "reveal_phone": Capability.REVEAL_PHONE,
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
        data = valid_input(CustomerInputSerializer, request)
        user = request.user
        outlet = outlet_for(user, data.pop("outlet", None))
        _resolve_references(user, data)
        data["needs"] = sorted(data.get("needs", []))
        customer = customer_create(outlet=outlet, created_by=user, **data)
        # Read back as listed; one handed to a colleague is no longer the
        # creator's to see, but this answer still is.
        shown = self.get_queryset().filter(pk=customer.pk).first() or customer
        body = CustomerSerializer(shown).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=CustomerChangeSerializer, responses=CustomerSerializer)
    def partial_update(self, request, pk=None):
        """Change the customer's book entry; fields left out stay as they are."""
        customer = self.get_object()
        data = valid_input(CustomerChangeSerializer, request, partial=True)
        _resolve_references(request.user, data)
        if "needs" in data:
            data["needs"] = sorted(data["needs"])
        customer_update(customer=customer, by=request.user, **data)
        shown = self.get_queryset().filter(pk=customer.pk).first()
        return Response(CustomerSerializer(shown or customer).data)

    @extend_schema(responses=NoteSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="notes", url_name="notes")
    def list_notes(self, request, pk=None):
        """The customer's notes, newest first, a page at a time."""
        notes = self.get_object().notes.select_related("author")
        page = self.paginate_queryset(notes)
        return self.get_paginated_response(NoteSerializer(page, many=True).data)

    @extend_schema(request=NoteSerializer, responses=NoteSerializer)
    @action(detail=True, methods=["patch"], url_path=r"notes/(?P<note_id>[0-9]+)")
    def note(self, request, pk=None, note_id=None):
        """Correct a note: its author may, and a manager may."""
        note = get_object_or_404(self.get_object().notes, pk=note_id)
        data = valid_input(NoteSerializer, request, partial=True)
        note = customer_note_update(note=note, by=request.user, **data)
        return Response(NoteSerializer(note).data)

    @extend_schema(request=NoteSerializer, responses=NoteSerializer)
    @list_notes.mapping.post
    def notes(self, request, pk=None):
        customer = self.get_object()
        data = valid_input(NoteSerializer, request)
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
        data = valid_input(HabitsSerializer, request, partial=True)
        habits = customer_update_habits(customer=customer, **data)
        return Response(HabitsSerializer(habits).data)

    @extend_schema(request=None, responses=RevealedPhoneSerializer)
    @action(detail=True, methods=["post"], url_path="reveal-phone")
    def reveal_phone(self, request, pk=None):
        """The customer's full phone number; each call is recorded (who, when)."""
        phone = phone_reveal(
            customer=self.get_object(),
            by=request.user,
            via=PhoneRevealVia.API,
            now=timezone.now(),
        )
        return Response(RevealedPhoneSerializer({"phone": phone}).data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses=CustomerSerializer(many=True))
    @action(detail=False, methods=["post"])
    def search(self, request):
        """The list's filters in the body: a phone searched for stays out of URLs."""
        found = CustomerFilter(request.data, queryset=self.get_queryset()).qs
        page = self.paginate_queryset(found.order_by("name", "pk"))
        return self.get_paginated_response(CustomerSerializer(page, many=True).data)


def _resolve_references(user: Staff, data: dict) -> None:
    """Ids sent for the account manager and the referrer, as rows the user sees."""
    if "account_manager" in data:
        data["account_manager"] = visible_ref(
            user, Staff.objects.all(), data["account_manager"], "account_manager"
        )
    if "referred_by" in data:
        data["referred_by"] = visible_ref(
            user, Customer.objects.all(), data["referred_by"], "referred_by"
        )
