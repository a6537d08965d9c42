"""The API of dated care: campaigns, promotion seasons, warehouse fill,
personal dates and the care part of the customer file. Glue only: each view
parses, authorises and calls one service or selector."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import (
    CareTag,
    Customer,
    Need,
    PersonalDate,
    Tenure,
    Tier,
)
from lib.bounded_inputs import PlausibleDateTimeField
from outlets.access import Capability, Capable, visible
from outlets.api.references import visible_ref
from outlets.errors import NotAllowed
from outlets.models import Outlet

from . import campaigns as campaign_services
from . import personal_dates, seasons
from .care_file import customer_set_care
from .dates import local_day
from .models import Campaign, CampaignDelivery, Occasion, PromotionSeason
from .suggestions import suggestions


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class SegmentSerializer(serializers.Serializer):
    tiers = serializers.MultipleChoiceField(choices=Tier.choices, required=False)
    needs = serializers.MultipleChoiceField(choices=Need.choices, required=False)
    tenures = serializers.MultipleChoiceField(choices=Tenure.choices, required=False)
    tags = serializers.MultipleChoiceField(choices=CareTag.choices, required=False)


class CampaignInputSerializer(SegmentSerializer):
    outlet = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=100)
    occasion = serializers.ChoiceField(choices=Occasion.choices)
    season = serializers.IntegerField(required=False, allow_null=True)
    delivery = serializers.ChoiceField(
        choices=CampaignDelivery.choices, default=CampaignDelivery.MESSAGE
    )
    text = serializers.CharField(max_length=300)
    text_en = serializers.CharField(max_length=300, required=False, allow_blank=True)
    gift = serializers.CharField(max_length=200, required=False, allow_blank=True)
    send_at = PlausibleDateTimeField()


class PreviewInputSerializer(SegmentSerializer):
    outlet = serializers.IntegerField(required=False)
    occasion = serializers.ChoiceField(choices=Occasion.choices)
    send_at = PlausibleDateTimeField()


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            "outlet",
            "name",
            "occasion",
            "season",
            "delivery",
            "tiers",
            "needs",
            "tenures",
            "tags",
            "text",
            "text_en",
            "gift",
            "send_at",
            "state",
            "reached",
            "fanned_out_at",
        ]


def segment_of(data: dict) -> dict:
    return {
        field: sorted(data.get(field) or []) for field in SegmentSerializer().fields
    }


def campaign_outlet(user, outlet_id) -> Outlet:
    """The campaign's outlet: HQ names one; a manager's is their own, and
    naming another outlet is refused, not silently replaced."""
    if user.is_hq or user.is_superuser:
        return visible_ref(user, Outlet.objects.all(), outlet_id, "outlet") or (
            _no_outlet()
        )
    if outlet_id not in (None, "", user.outlet_id):
        raise NotAllowed(
            campaign_services.OTHER_OUTLET, fields={"outlet": [_not_yours()]}
        )
    return user.outlet


def _no_outlet():
    raise serializers.ValidationError({"outlet": [str(_("Choose the outlet."))]})


def _not_yours():
    return _("Not your outlet.")


class CampaignListView(APIView):
    """``GET`` the campaigns of your outlet; ``POST`` schedules a new one."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.RUN_CAMPAIGNS}

    @extend_schema(responses=CampaignSerializer(many=True))
    def get(self, request):
        rows = visible(request.user, Campaign.objects.all())[:200]
        return Response(CampaignSerializer(rows, many=True).data)

    @extend_schema(request=CampaignInputSerializer, responses=CampaignSerializer)
    def post(self, request):
        data = _valid(CampaignInputSerializer, request)
        outlet = campaign_outlet(request.user, data.get("outlet"))
        season = None
        if data.get("season"):
            season = seasons.seasons_for(outlet.pk).filter(pk=data["season"]).first()
            if season is None:
                raise serializers.ValidationError({"season": [str(_not_yours())]})
        campaign = campaign_services.campaign_create(
            by=request.user,
            outlet=outlet,
            name=data["name"],
            occasion=data["occasion"],
            season=season,
            delivery=data["delivery"],
            segment=segment_of(data),
            text=data["text"],
            text_en=data.get("text_en", ""),
            gift=data.get("gift", ""),
            send_at=data["send_at"],
            now=timezone.now(),
        )
        return Response(
            CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED
        )


class SuggestionSerializer(serializers.Serializer):
    gift = serializers.CharField()
    text = serializers.CharField()
    why = serializers.CharField()


class PreviewSerializer(serializers.Serializer):
    customers = serializers.IntegerField()
    suggestions = SuggestionSerializer(many=True)


class CampaignPreviewView(APIView):
    """How many customers a campaign would reach, and what to give and say."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.RUN_CAMPAIGNS}

    @extend_schema(request=PreviewInputSerializer, responses=PreviewSerializer)
    def post(self, request):
        data = _valid(PreviewInputSerializer, request)
        outlet = campaign_outlet(request.user, data.get("outlet"))
        day = local_day(data["send_at"])
        segment = segment_of(data)
        proposals = suggestions(
            occasion=data["occasion"],
            day=day,
            needs=segment["needs"],
            tags=segment["tags"],
        )
        return Response(
            {
                "customers": campaign_services.campaign_preview(
                    outlet=outlet, segment=segment, day=day
                ),
                "suggestions": [
                    {"gift": str(s.gift), "text": str(s.text), "why": str(s.why)}
                    for s in proposals
                ],
            }
        )


class CampaignCancelView(APIView):
    permission_classes = [Capable]
    capabilities = {"*": Capability.RUN_CAMPAIGNS}

    @extend_schema(request=None, responses=CampaignSerializer)
    def post(self, request, pk: int):
        campaign = get_object_or_404(
            visible(request.user, Campaign.objects.all()), pk=pk
        )
        campaign_services.campaign_cancel(
            by=request.user, campaign=campaign, now=timezone.now()
        )
        campaign.refresh_from_db()
        return Response(CampaignSerializer(campaign).data)


# --- Promotion seasons --------------------------------------------------------


class SeasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = PromotionSeason
        fields = ["id", "outlet", "name", "month", "day", "active"]


class SeasonInputSerializer(serializers.Serializer):
    outlet = serializers.IntegerField(required=False, allow_null=True)
    name = serializers.CharField(max_length=60)
    month = serializers.IntegerField()
    day = serializers.IntegerField()


class SeasonListView(APIView):
    """``GET`` the network's seasons and your outlet's; ``POST`` adds one
    (``"outlet": null`` is a network default: HQ only)."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.RUN_CAMPAIGNS}

    @extend_schema(responses=SeasonSerializer(many=True))
    def get(self, request):
        outlet_id = None if request.user.is_hq else request.user.outlet_id
        rows = (
            PromotionSeason.objects.all()
            if outlet_id is None
            else seasons.seasons_for(outlet_id)
        )
        return Response(SeasonSerializer(rows, many=True).data)

    @extend_schema(request=SeasonInputSerializer, responses=SeasonSerializer)
    def post(self, request):
        data = _valid(SeasonInputSerializer, request)
        user = request.user
        if "outlet" not in data and not user.is_hq:
            outlet = user.outlet
        else:
            outlet = visible_ref(
                user, Outlet.objects.all(), data.get("outlet"), "outlet"
            )
        season = seasons.season_add(
            by=user,
            outlet=outlet,
            name=data["name"],
            month=data["month"],
            day=data["day"],
        )
        return Response(SeasonSerializer(season).data, status=status.HTTP_201_CREATED)


# --- The customer's side: warehouse fill, personal dates, care file ---------


def _customer(request, pk: int) -> Customer:
    return get_object_or_404(visible(request.user, Customer.objects.all()), pk=pk)


class FillSerializer(serializers.Serializer):
    percent = serializers.IntegerField()
    reported_at = serializers.DateTimeField(read_only=True)


class WarehouseFillView(APIView):
    """``GET`` a customer's recent fill reports; ``POST {"percent": 85}``."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.EDIT_CUSTOMER_FILE}

    @extend_schema(responses=FillSerializer(many=True))
    def get(self, request, pk: int):
        fills = _customer(request, pk).warehouse_fills.all()[:20]
        return Response(FillSerializer(fills, many=True).data)

    @extend_schema(request=FillSerializer, responses=FillSerializer)
    def post(self, request, pk: int):
        customer = _customer(request, pk)
        data = _valid(FillSerializer, request)
        fill = seasons.warehouse_fill_report(
            customer=customer,
            percent=data["percent"],
            by=request.user,
            now=timezone.now(),
        )
        return Response(FillSerializer(fill).data, status=status.HTTP_201_CREATED)


class PersonalDateEntrySerializer(serializers.ModelSerializer):
    month = serializers.IntegerField()
    day = serializers.IntegerField()
    year = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        model = PersonalDate
        fields = ["id", "kind", "label", "month", "day", "year"]
        read_only_fields = ["id"]


class PersonalDatesView(APIView):
    """``GET`` a customer's personal dates; ``POST`` adds one (30 February is
    refused; a yearly 29 February falls on 28 February in other years)."""

    permission_classes = [Capable]
    capabilities = {"post": Capability.EDIT_CUSTOMER_FILE}

    def get_permissions(self):
        self.action = self.request.method.lower()
        return super().get_permissions()

    @extend_schema(responses=PersonalDateEntrySerializer(many=True))
    def get(self, request, pk: int):
        rows = _customer(request, pk).personal_dates.all()
        return Response(PersonalDateEntrySerializer(rows, many=True).data)

    @extend_schema(
        request=PersonalDateEntrySerializer, responses=PersonalDateEntrySerializer
    )
    def post(self, request, pk: int):
        customer = _customer(request, pk)
        data = _valid(PersonalDateEntrySerializer, request)
        row = personal_dates.personal_date_add(
            by=request.user, customer=customer, now=timezone.now(), **data
        )
        return Response(
            PersonalDateEntrySerializer(row).data, status=status.HTTP_201_CREATED
        )


class PersonalDateView(APIView):
    permission_classes = [Capable]
    capabilities = {"*": Capability.EDIT_CUSTOMER_FILE}

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        rows = visible(request.user, PersonalDate.objects.select_related("customer"))
        row = get_object_or_404(rows, pk=pk)
        personal_dates.personal_date_delete(by=request.user, personal_date=row)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CareSerializer(serializers.Serializer):
    care_opt_out = serializers.BooleanField(required=False)
    care_tags = serializers.MultipleChoiceField(choices=CareTag.choices, required=False)


class CustomerCareView(APIView):
    """``PATCH`` the care part of the file: opt-out of care messages, care tags."""

    permission_classes = [Capable]
    capabilities = {"*": Capability.EDIT_CUSTOMER_FILE}

    @extend_schema(request=CareSerializer, responses=CareSerializer)
    def patch(self, request, pk: int):
        customer = _customer(request, pk)
        data = _valid(CareSerializer, request)
        customer_set_care(
            customer=customer,
            opt_out=data.get("care_opt_out"),
            tags=sorted(data["care_tags"]) if "care_tags" in data else None,
        )
        tags = sorted(customer.care_tags.values_list("tag", flat=True))
        return Response({"care_opt_out": customer.care_opt_out, "care_tags": tags})
