"""The follow-up API, the account manager's day and the customer's timeline.

Every read goes through ``outlets.access.visible``; every write is one call
of ``followups.services``. A refused step answers in the one error shape.
"""

from datetime import datetime
from urllib.parse import urlencode

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer
from lib.bounded_inputs import validate_plausible_instant
from lib.bounds import is_plausible_instant
from outlets.access import Capability, Capable, visible
from outlets.api.references import visible_ref
from outlets.models import Staff
from outlets.requests import staff_of

from ..models import FollowUp, FollowUpKind, FollowUpState
from ..selectors import counts_by_owner, customer_timeline, follow_ups_for, my_day
from ..services import (
    follow_up_complete,
    follow_up_create,
    follow_up_decline,
    follow_up_reassign,
    follow_up_reschedule,
)
from .serializers import (
    CompleteInput,
    CustomerTimelineSerializer,
    DaySerializer,
    DeclineInput,
    FollowUpCreateInput,
    FollowUpSerializer,
    OwnerCountsSerializer,
    ReassignInput,
    RescheduleInput,
)


class FollowUpFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(
        choices=FollowUpState.choices, label=gettext_lazy("State")
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=FollowUpKind.choices, label=gettext_lazy("Kind")
    )
    owner = django_filters.NumberFilter(label=gettext_lazy("Owner"))
    customer = django_filters.NumberFilter(label=gettext_lazy("Customer"))
    due_after = django_filters.IsoDateTimeFilter(
        field_name="due_at",
        lookup_expr="gte",
        label=gettext_lazy("Due at or after"),
        validators=[validate_plausible_instant],
    )
    due_before = django_filters.IsoDateTimeFilter(
        field_name="due_at",
        lookup_expr="lt",
        label=gettext_lazy("Due before"),
        validators=[validate_plausible_instant],
    )

    class Meta:
        model = FollowUp
        fields = ["state", "kind", "owner", "customer", "due_after", "due_before"]


def validated(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _colleague(user: Staff, pk) -> Staff | None:
    return visible_ref(user, Staff.objects.filter(is_active=True), pk, "owner")


class FollowUpViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Follow-ups (回访): an account manager's own and their customers'; a
    manager's whole outlet. Complete, reschedule and decline by their owner or
    a manager; reassign by a manager. A closed follow-up answers 409."""

    permission_classes = [Capable]
    capabilities = {
        "*": Capability.WORK_FOLLOW_UPS,
        "reassign": Capability.MANAGE_FOLLOW_UPS,
        "by_owner": Capability.MANAGE_FOLLOW_UPS,
    }
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    ordering_fields = ["due_at", "created_at", "closed_at"]
    ordering = ["due_at", "pk"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return follow_ups_for(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _answer(self, follow_up: FollowUp, code: int = status.HTTP_200_OK):
        follow_up = follow_ups_for(staff_of(self.request)).get(pk=follow_up.pk)
        body = FollowUpSerializer(follow_up, context=self.get_serializer_context())
        return Response(body.data, status=code)

    @extend_schema(request=FollowUpCreateInput, responses={201: FollowUpSerializer})
    def create(self, request: Request) -> Response:
        """Plan a follow-up by hand (kind ``manual`` unless another is named)."""
        data = validated(FollowUpCreateInput, request)
        customer = visible_ref(
            staff_of(request), Customer.objects.all(), data["customer"], "customer"
        )
        assert customer is not None  # the input requires the customer
        follow_up = follow_up_create(
            by=staff_of(request),
            customer=customer,
            kind=data["kind"],
            due_at=data["due_at"],
            channel=data.get("channel"),
            owner=_colleague(staff_of(request), data.get("owner")),
            note=data["note"],
            now=timezone.now(),
        )
        return self._answer(follow_up, status.HTTP_201_CREATED)

    @extend_schema(request=CompleteInput, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk=None) -> Response:
        """It happened: the outcome and a note; the clock is met."""
        follow_up, data = self.get_object(), validated(CompleteInput, request)
        done = follow_up_complete(
            follow_up=follow_up,
            by=staff_of(request),
            outcome=data["outcome"],
            result_note=data["result_note"],
            now=timezone.now(),
        )
        return self._answer(done)

    @extend_schema(request=RescheduleInput, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk=None) -> Response:
        """A new time: the follow-up's clock moves its deadline with it."""
        follow_up, data = self.get_object(), validated(RescheduleInput, request)
        moved = follow_up_reschedule(
            follow_up=follow_up,
            by=staff_of(request),
            due_at=data["due_at"],
            result_note=data["result_note"],
            outcome=data["outcome"],
            now=timezone.now(),
        )
        return self._answer(moved)

    @extend_schema(request=DeclineInput, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk=None) -> Response:
        """It will not happen, for the reason in the note; the clock stops."""
        follow_up, data = self.get_object(), validated(DeclineInput, request)
        declined = follow_up_decline(
            follow_up=follow_up,
            by=staff_of(request),
            result_note=data["result_note"],
            now=timezone.now(),
        )
        return self._answer(declined)

    @extend_schema(request=ReassignInput, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk=None) -> Response:
        """A manager hands it to a colleague of the outlet."""
        follow_up, data = self.get_object(), validated(ReassignInput, request)
        owner = _colleague(staff_of(request), data["owner"])
        assert owner is not None  # the input requires the owner
        moved = follow_up_reassign(
            follow_up=follow_up,
            by=staff_of(request),
            owner=owner,
            now=timezone.now(),
        )
        return self._answer(moved)

    @extend_schema(responses=OwnerCountsSerializer(many=True))
    @action(
        detail=False,
        methods=["get"],
        url_path="by-owner",
        pagination_class=None,
        ordering_fields=[],
    )
    def by_owner(self, request: Request) -> Response:
        """Counts per owner and state (filters apply), and how many are overdue."""
        follow_ups = self.filter_queryset(self.get_queryset())
        rows = counts_by_owner(follow_ups, now=timezone.now())
        return Response(OwnerCountsSerializer(rows, many=True).data)


class MyDayView(APIView):
    """The account manager's day (客户经理的今日工作): follow-ups due today and
    overdue, warehouse warnings, personal dates this week, their customers'
    running breaches and open problems, and each customer's file."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.WORK_FOLLOW_UPS}

    @extend_schema(responses=DaySerializer)
    def get(self, request: Request) -> Response:
        now = timezone.now()
        day = my_day(staff_of(request), now=now)
        body = DaySerializer(day, context={"request": request, "now": now})
        return Response(body.data)


class CustomerTimelineView(APIView):
    """A customer's history in one list, newest first: tier and tenure changes,
    follow-ups with outcomes, notes, problems, messages sent. Pages of 20;
    ``next`` names the older page."""

    permission_classes = [Capable]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "before",
                OpenApiTypes.DATETIME,
                description="Entries strictly older than this instant.",
            )
        ],
        responses=CustomerTimelineSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        customer = get_object_or_404(
            visible(staff_of(request), Customer.objects.all()), pk=pk
        )
        now = timezone.now()
        entries, older = customer_timeline(
            customer, now=now, before=_before(request.query_params.get("before"))
        )
        next_url = None
        if older is not None:
            next_url = request.build_absolute_uri(
                f"{request.path}?{urlencode({'before': older.isoformat()})}"
            )
        body = CustomerTimelineSerializer({"entries": entries, "next": next_url})
        return Response(body.data)


def _before(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        instant = parse_datetime(value.replace(" ", "+"))
    except ValueError:
        instant = None
    if (
        instant is None
        or timezone.is_naive(instant)
        or not is_plausible_instant(instant)
    ):
        raise ValidationError(
            {"before": [_("Give an instant with its offset, 2000 to 2099.")]}
        )
    return instant
