"""Bulk ingest from scanners and sensors: up to 1,000 items per request.

The answer has one result per item, in order; a bad item is rejected on its
own and never costs the others. The body itself being malformed (not JSON,
no list, too many items) is a 400 in the API's one error shape. The sensors'
readings come in the same way (``shipments/coldchain/api.py``).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from outlets.access import visible
from shipments.models import MilestoneKind, Shipment

from ..milestones import milestones_record_bulk

MAX_ITEMS = 1000
RECENT = _(
    "With its UTC offset (at most ±14:00); at most a year before and a day "
    "after the request."
)


class EventSerializer(serializers.Serializer):
    """One scan (documentation: items are validated one by one by the service)."""

    waybill = serializers.CharField(max_length=30)
    kind = serializers.ChoiceField(choices=MilestoneKind.choices)
    occurred_at = serializers.DateTimeField(help_text=RECENT)
    location = serializers.CharField(max_length=120, required=False)
    note = serializers.CharField(max_length=255, required=False)


class ResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["created", "duplicate", "rejected"])
    id = serializers.IntegerField(required=False)
    # A field named like Serializer.errors: DRF's metaclass takes it as a field.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class EventBatchSerializer(serializers.Serializer):
    # ListSerializer takes max_length; the stubs do not pass it through.
    events = EventSerializer(many=True, max_length=MAX_ITEMS)  # type: ignore[call-arg]


# Only for its messages: the envelope is checked in plain Python (``_items``).
_ENVELOPE = serializers.ListField(max_length=MAX_ITEMS, allow_empty=False)


def _items(body, key: str) -> list:
    """The batch's items, still raw, so one bad item is one rejection.

    The envelope is checked by hand with DRF's ``ListField`` messages: the
    field would also validate each item as a field, which costs more than the
    check it makes. A bad envelope is a 400 naming ``key``.
    """
    items = body.get(key) if isinstance(body, dict) else None
    messages = _ENVELOPE.error_messages
    if items is None:
        error = messages["null"]
    elif not isinstance(items, list):
        error = messages["not_a_list"].format(input_type=type(items).__name__)
    elif not items:
        error = messages["empty"]
    elif len(items) > MAX_ITEMS:
        error = messages["max_length"].format(max_length=MAX_ITEMS)
    else:
        return items
    raise serializers.ValidationError({key: [error]})


class IngestView(APIView):
    key = ""

    def record(self, items: list, **kwargs) -> list[dict]:
        raise NotImplementedError

    def post(self, request):
        results = self.record(
            _items(request.data, self.key),
            now=timezone.now(),
            shipments=visible(request.user, Shipment.objects.all()),
        )
        return Response({"results": results})


RESULTS = inline_serializer("IngestResults", {"results": ResultSerializer(many=True)})


class MilestoneEventsView(IngestView):
    key = "events"

    def record(self, items: list, **kwargs) -> list[dict]:
        return milestones_record_bulk(items, **kwargs)

    @extend_schema(request=EventBatchSerializer, responses=RESULTS)
    def post(self, request):
        """Record up to 1,000 milestone scans; one result per scan, in order."""
        return super().post(request)
