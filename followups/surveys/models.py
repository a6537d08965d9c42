"""Satisfaction surveys (NPS): one question, 0 to 10 and a comment, on the phone.

A survey is written when it is sent (after a signed delivery, sampled, or
after a problem was remedied) and answered once, by its link's token.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from outlets.models import Outlet
from shipments.models import Problem, Shipment

MIN_SCORE, MAX_SCORE = 0, 10
SCORE = [MinValueValidator(MIN_SCORE), MaxValueValidator(MAX_SCORE)]
# 0-6 detractors, 7-8 passives, 9-10 promoters (NPS = % promoters - % detractors).
DETRACTOR_AT_MOST = 6
PROMOTER_AT_LEAST = 9
# A remark typed on a phone, not a letter.
COMMENT_LENGTH = 1000


class SurveyReason(models.TextChoices):
    DELIVERY = "delivery", _("After a delivery")
    PROBLEM = "problem", _("After a problem was put right")


class NpsGroup(models.TextChoices):
    PROMOTER = "promoter", _("Promoter")
    PASSIVE = "passive", _("Passive")
    DETRACTOR = "detractor", _("Detractor")


def nps_group(score: int) -> str:
    if score <= DETRACTOR_AT_MOST:
        return NpsGroup.DETRACTOR
    return NpsGroup.PROMOTER if score >= PROMOTER_AT_LEAST else NpsGroup.PASSIVE


class Survey(models.Model):
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("outlet"),
        # Covered by the (outlet, answered_at) index.
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="surveys",
        verbose_name=_("customer"),
        # Covered by the (customer, month) index.
        db_index=False,
    )
    reason = models.CharField(_("sent"), max_length=10, choices=SurveyReason.choices)
    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shipment"),
        db_index=False,  # the unique constraint's index covers it
    )
    problem = models.ForeignKey(
        Problem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("problem"),
        db_index=False,  # the unique constraint's index covers it
    )
    # The first day of the calendar month (Shanghai) it was sent in: the
    # once-a-month limit is a unique constraint on it.
    month = models.DateField(_("month"))
    token = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("link expires at"))
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=SCORE
    )
    comment = models.TextField(_("comment"), max_length=COMMENT_LENGTH, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    language = models.CharField(_("answered in"), max_length=10, blank=True)
    follow_up = models.ForeignKey(
        "followups.FollowUp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("detractor call"),
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "month"]),
            models.Index(fields=["outlet", "answered_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "month"],
                condition=models.Q(reason="delivery"),
                name="one_delivery_survey_per_customer_month",
            ),
            models.UniqueConstraint(
                fields=["shipment"],
                condition=models.Q(shipment__isnull=False),
                name="one_survey_per_shipment",
            ),
            models.UniqueConstraint(
                fields=["problem"],
                condition=models.Q(problem__isnull=False),
                name="one_survey_per_problem",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True, answered_at__isnull=True)
                | models.Q(
                    score__gte=MIN_SCORE,
                    score__lte=MAX_SCORE,
                    answered_at__isnull=False,
                ),
                name="survey_answer_is_a_score_0_to_10",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("comment"), COMMENT_LENGTH),
                name="survey_comment_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.month:%Y-%m} {self.score}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def group(self) -> str | None:
        return None if self.score is None else nps_group(self.score)
