"""Churn warnings (流失预警) and frozen monthly KPI figures."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Tier
from outlets.models import Outlet
from shipments.models import Problem


class ChurnReason(models.TextChoices):
    VOLUME_DROP = "volume_drop", _("Volume fell under half of usual")
    SILENT = "silent", _("Shipped nothing lately")
    OPEN_COMPLAINT = "open_complaint", _("Open complaint")
    DETRACTOR = "detractor", _("Answered as a detractor")


class ChurnRisk(models.Model):
    """One reason a customer may leave, from the night it was first seen until
    the night it was no longer seen (``cleared_at``). Only a new one raises a
    retention call; the numbers are those of the night it was raised."""

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.CASCADE,
        related_name="churn_risks",
        verbose_name=_("outlet"),
        db_index=False,  # covered by the (outlet, cleared_at) index
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="churn_risks",
        verbose_name=_("customer"),
        db_index=False,  # covered by the open-risk constraint's index
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ChurnReason.choices)
    recent_volume = models.PositiveIntegerField(
        _("parcels in the last 30 days"), null=True, blank=True
    )
    usual_volume = models.DecimalField(
        _("usual parcels a month"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
    )
    last_shipment_at = models.DateTimeField(_("last shipment"), null=True, blank=True)
    problem = models.ForeignKey(
        Problem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("complaint"),
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised at"))
    seen_at = models.DateTimeField(_("last seen at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)

    class Meta:
        verbose_name = _("churn risk")
        verbose_name_plural = _("churn risks")
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["outlet", "cleared_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reason"],
                condition=models.Q(cleared_at__isnull=True),
                name="one_open_churn_risk_per_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.get_reason_display()}"

    @property
    def source_key(self) -> str:
        """The retention call's idempotence key: one call per risk."""
        return f"churn:{self.pk}"


class KpiMonth(models.Model):
    """A calendar month whose figures are frozen in ``KpiSnapshot`` rows."""

    month = models.DateField(_("month"), unique=True)
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        verbose_name = _("frozen KPI month")
        verbose_name_plural = _("frozen KPI months")
        ordering = ["-month"]

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")


class KpiSnapshot(models.Model):
    """The counts behind one figure of one outlet and tier in a frozen month.

    Counts, not rates: the network and "all tiers" are sums of these rows, and
    each rate is computed from them by the same formula as a live month.
    """

    month = models.DateField(_("month"))
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("outlet"),
        db_index=False,  # covered by the unique constraint's index
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    metric = models.CharField(_("figure"), max_length=40)
    part = models.BigIntegerField(_("counted"))
    other = models.BigIntegerField(_("counted against"), default=0)
    whole = models.BigIntegerField(_("out of"))

    class Meta:
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "outlet", "tier", "metric"],
                name="one_kpi_snapshot_per_figure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.outlet_id} {self.tier} {self.metric}"
