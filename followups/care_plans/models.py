"""A care-plan rule: which customers, what kind of contact, how often."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Need, Tenure, Tier
from outlets.models import Outlet

from ..choices import FollowUpChannel, FollowUpKind

# A contact less often than once a year is no plan; a cadence of 0 days would
# generate a follow-up every night.
MIN_DAYS, MAX_DAYS = 1, 365
DAYS = [MinValueValidator(MIN_DAYS), MaxValueValidator(MAX_DAYS)]


class CarePlanScope(models.TextChoices):
    TIER = "tier", _("Tier")
    TENURE = "tenure", _("Tenure")
    NEED = "need", _("Need")


# The values each scope takes, in the order pages list them.
SCOPE_VALUES: dict[str, type[models.TextChoices]] = {
    CarePlanScope.TIER: Tier,
    CarePlanScope.TENURE: Tenure,
    CarePlanScope.NEED: Need,
}

# What a plan may schedule: the regular contacts. Holiday care, personal dates
# and seasons have their own generators; manual and assignment work is not
# periodic.
PLAN_KINDS = (
    FollowUpKind.RETURN_VISIT,
    FollowUpKind.NEW_CUSTOMER_CHECK_IN,
    FollowUpKind.FIRST_MONTH_REVIEW,
    FollowUpKind.PROMOTION,
    FollowUpKind.OPEN_DAY,
    FollowUpKind.RETENTION_CALL,
)
# Named, so the API schema can name its enum (CarePlanKindEnum).
PLAN_KIND_CHOICES = [(k.value, k.label) for k in PLAN_KINDS]


def _days_between(field: str) -> models.Q:
    return models.Q(**{f"{field}__gte": MIN_DAYS, f"{field}__lte": MAX_DAYS})


class CarePlanRule(models.Model):
    """One scope's contact: e.g. key customers, a return visit by phone every 14
    days; or new customers, a check-in 14 days after the cooperation started.

    A rule without an outlet is the network default; an outlet's rule for the
    same scope and kind replaces it at that outlet (also to switch it off).
    """

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="care_plan_rules",
        verbose_name=_("outlet"),
    )
    scope = models.CharField(_("scope"), max_length=10, choices=CarePlanScope.choices)
    value = models.CharField(
        _("customers"),
        max_length=20,
        help_text=_("A tier, tenure or need, as the scope says."),
    )
    kind = models.CharField(
        _("follow-up kind"),
        max_length=30,
        choices=PLAN_KIND_CHOICES,
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=FollowUpChannel.choices
    )
    cadence_days = models.PositiveSmallIntegerField(
        _("every (days)"), null=True, blank=True, validators=DAYS
    )
    offset_days = models.PositiveSmallIntegerField(
        _("once, days after the cooperation start"),
        null=True,
        blank=True,
        validators=DAYS,
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("care-plan rule")
        verbose_name_plural = _("care-plan rules")
        ordering = ["scope", "value", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "value", "kind"],
                condition=models.Q(outlet__isnull=True),
                name="one_network_care_rule_per_scope",
            ),
            models.UniqueConstraint(
                fields=["outlet", "scope", "value", "kind"],
                condition=models.Q(outlet__isnull=False),
                name="one_outlet_care_rule_per_scope",
            ),
            models.CheckConstraint(
                condition=(
                    _days_between("cadence_days") & models.Q(offset_days__isnull=True)
                )
                | (_days_between("offset_days") & models.Q(cadence_days__isnull=True)),
                name="care_rule_cadence_or_offset_in_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    *[
                        models.Q(scope=scope, value__in=values.values)
                        for scope, values in SCOPE_VALUES.items()
                    ],
                    _connector=models.Q.OR,
                ),
                name="care_rule_value_fits_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}={self.value} {self.kind}"

    @property
    def scope_key(self) -> str:
        """What an outlet's rule overrides, and what idempotence keys name."""
        return f"{self.scope}.{self.value}.{self.kind}"

    @property
    def value_label(self) -> str:
        """The tier, tenure or need in words: "Key customer"."""
        return str(SCOPE_VALUES[CarePlanScope(self.scope)](self.value).label)
