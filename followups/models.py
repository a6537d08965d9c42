"""Customer care: follow-ups (回访与关怀), the account manager's book of work."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from lib.bounded_inputs import validate_plausible_instant
from outlets.models import Outlet

from .choices import (  # noqa: F401 - re-exported: the choices of the model
    FollowUpChannel,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpState,
)

# What to do and why, and what came of it: a remark, not a report.
NOTE_LENGTH = 2000


class FollowUp(models.Model):
    """One contact owed to a customer; its deadline is a clock (FOLLOW_UP)."""

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("outlet"),
        # Covered by the (outlet, state, due_at) index.
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("customer"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("owner"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=FollowUpKind.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=FollowUpChannel.choices
    )
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=FollowUpState.choices,
        default=FollowUpState.OPEN,
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=FollowUpOutcome.choices, blank=True
    )
    due_at = models.DateTimeField(_("due at"), validators=[validate_plausible_instant])
    note = models.TextField(_("what to do and why"), max_length=NOTE_LENGTH, blank=True)
    result_note = models.TextField(_("result"), max_length=NOTE_LENGTH, blank=True)
    source_key = models.CharField(
        _("source key"),
        max_length=120,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Who made it, for which period: making it twice adds nothing."),
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="follow_up_open_due",
                condition=models.Q(state="open"),
            ),
            models.Index(
                fields=["owner", "due_at"],
                name="follow_up_open_owner_due",
                condition=models.Q(state="open"),
            ),
            models.Index(fields=["outlet", "state", "due_at"]),
            models.Index(fields=["customer", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), NOTE_LENGTH)
                & LessThanOrEqual(Length("result_note"), NOTE_LENGTH),
                name="follow_up_note_length",
            ),
            models.CheckConstraint(
                condition=models.Q(state="open", closed_at__isnull=True)
                | (~models.Q(state="open") & models.Q(closed_at__isnull=False)),
                name="follow_up_closed_when_not_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state == FollowUpState.OPEN


# Dated care (campaigns, promotion seasons, warehouse fill) lives in its own
# package; importing it here is how Django finds those models.
from followups.care_plans.models import CarePlanRule  # noqa: E402, F401
from followups.kpis.models import ChurnRisk, KpiMonth, KpiSnapshot  # noqa: E402, F401
from followups.occasions.models import (  # noqa: E402, F401
    Campaign,
    PromotionSeason,
    WarehouseFill,
)
from followups.referrals.models import Referral  # noqa: E402, F401
from followups.surveys.models import Survey  # noqa: E402, F401
from followups.watermarks import ScanMark  # noqa: E402, F401
