"""Dated care: campaigns (节日关怀), promotion seasons (大促) and warehouse fill.

A campaign is one row, the decision (which customers, which text, when); the
fan-out turns it into outbox messages or follow-ups when its hour comes.
"""

from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from outlets.models import Outlet

# A care text is an SMS, not a letter: a gateway splits anything longer.
CAMPAIGN_TEXT_LENGTH = 300
# Care messages leave at a decent local hour unless the manager says otherwise.
DEFAULT_SEND_TIME = time(10, 0)
# A fill report is a share of the customer's warehouse, not a guess above it.
MAX_FILL_PERCENT = 100


class Occasion(models.TextChoices):
    NEW_YEAR = "new_year", _("New Year")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival")
    DRAGON_BOAT = "dragon_boat", _("Dragon Boat Festival")
    MID_AUTUMN = "mid_autumn", _("Mid-Autumn Festival")
    PROMOTION = "promotion", _("Promotion season")
    OTHER = "other", _("Other occasion")


class CampaignDelivery(models.TextChoices):
    MESSAGE = "message", _("Message to each customer")
    FOLLOW_UP = "follow_up", _("Follow-up for the account manager")


class CampaignState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Fanned out")
    CANCELLED = "cancelled", _("Cancelled")


class PromotionSeason(models.Model):
    """A yearly sale (双11 on 11-11, 618 on 06-18): network-wide or one outlet's."""

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="promotion_seasons",
        verbose_name=_("outlet"),
        help_text=_("Empty: a network default for every outlet."),
    )
    name = models.CharField(_("name"), max_length=60)
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        _("day"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("promotion season")
        verbose_name_plural = _("promotion seasons")
        ordering = ["month", "day", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    month__gte=1, month__lte=12, day__gte=1, day__lte=31
                ),
                name="promotion_season_plausible_day",
            ),
            models.UniqueConstraint(
                fields=["outlet", "name"], name="one_promotion_season_per_name"
            ),
            # NULLs are distinct to a unique index: network defaults need their own.
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(outlet__isnull=True),
                name="one_network_promotion_season_per_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.month:02d}-{self.day:02d})"


class WarehouseFill(models.Model):
    """How full a customer's warehouse is, as the customer reports it."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="warehouse_fills",
        verbose_name=_("customer"),
    )
    percent = models.PositiveSmallIntegerField(
        _("warehouse fill (%)"), validators=[MaxValueValidator(MAX_FILL_PERCENT)]
    )
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("warehouse fill")
        verbose_name_plural = _("warehouse fills")
        ordering = ["-reported_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-reported_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__lte=MAX_FILL_PERCENT),
                name="warehouse_fill_at_most_full",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.percent}%"


class Campaign(models.Model):
    """One care campaign: which customers (a segment), which text, when.

    An empty segment list means "any": no tiers listed reaches every tier.
    """

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("outlet"),
    )
    name = models.CharField(_("name"), max_length=100)
    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices)
    season = models.ForeignKey(
        PromotionSeason,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("promotion season"),
    )
    delivery = models.CharField(
        _("delivery"),
        max_length=10,
        choices=CampaignDelivery.choices,
        default=CampaignDelivery.MESSAGE,
    )
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    needs = models.JSONField(_("needs"), default=list, blank=True)
    tenures = models.JSONField(_("tenures"), default=list, blank=True)
    tags = models.JSONField(_("care tags"), default=list, blank=True)
    text = models.TextField(_("text (Chinese)"), max_length=CAMPAIGN_TEXT_LENGTH)
    text_en = models.TextField(
        _("text (English)"), max_length=CAMPAIGN_TEXT_LENGTH, blank=True
    )
    gift = models.CharField(_("gift"), max_length=200, blank=True)
    send_at = models.DateTimeField(_("send at"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=CampaignState.choices,
        default=CampaignState.SCHEDULED,
    )
    reached = models.PositiveIntegerField(_("customers reached"), default=0)
    fanned_out_at = models.DateTimeField(_("fanned out at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-send_at", "-pk"]
        indexes = [
            models.Index(
                fields=["send_at"],
                name="campaign_scheduled_send_at",
                condition=models.Q(state="scheduled"),
            )
        ]

    def __str__(self) -> str:
        return self.name
