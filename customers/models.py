from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from lib.bounded_inputs import validate_plausible_day
from outlets.models import Outlet, Weekday

# A busy outlet handles tens of thousands of parcels a month; a million from one
# customer (or as a tier boundary) is a typo, and 2**31 would not fit the column.
MAX_MONTHLY_PARCELS = 1_000_000
MONTHLY_PARCELS = [MaxValueValidator(MAX_MONTHLY_PARCELS)]
# A note is a remark for the courier, not a document: 2,000 characters.
NOTE_LENGTH = 2000


class Tier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic customer")
    KEY = "key", _("Key customer")
    REGULAR = "regular", _("Regular customer")
    CASUAL = "casual", _("Casual customer")


class Need(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary parcels")
    COLD_CHAIN = "cold_chain", _("Cold chain / fresh food")
    VALUABLES = "valuables", _("Valuables")
    FRAGILE = "fragile", _("Fragile goods")
    TIME_SENSITIVE = "time_sensitive", _("Time-sensitive")


class Tenure(models.TextChoices):
    NEW = "new", _("New customer")
    STABLE = "stable", _("Stable customer")
    LOYAL = "loyal", _("Loyal customer")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    PHONE = "phone", _("Phone call")


class TierThresholds(models.Model):
    """The editable boundaries between tiers; one row, defaults from DOMAIN.md."""

    strategic_min = models.PositiveIntegerField(
        _("strategic from (parcels/month)"), default=5000, validators=MONTHLY_PARCELS
    )
    key_min = models.PositiveIntegerField(
        _("key from (parcels/month)"), default=1000, validators=MONTHLY_PARCELS
    )
    casual_below = models.PositiveIntegerField(
        _("casual below (parcels/month)"),
        default=20,
        validators=MONTHLY_PARCELS,
        help_text=_("An occasional sender ships fewer parcels than this a month."),
    )

    class Meta:
        verbose_name = _("tier thresholds")
        verbose_name_plural = _("tier thresholds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(strategic_min__gt=models.F("key_min"))
                & models.Q(key_min__gt=models.F("casual_below")),
                name="tier_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(strategic_min__lte=MAX_MONTHLY_PARCELS),
                name="tier_thresholds_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.casual_below}/{self.key_min}/{self.strategic_min}"

    def tier_of(self, volume_field: str) -> models.Case:
        """The tier a volume column falls in, as a database expression."""
        return models.Case(
            models.When(
                **{f"{volume_field}__gte": self.strategic_min},
                then=models.Value(Tier.STRATEGIC),
            ),
            models.When(
                **{f"{volume_field}__gte": self.key_min}, then=models.Value(Tier.KEY)
            ),
            models.When(
                **{f"{volume_field}__gte": self.casual_below},
                then=models.Value(Tier.REGULAR),
            ),
            default=models.Value(Tier.CASUAL),
            output_field=models.CharField(),
        )


class Customer(models.Model):
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("outlet"),
    )
    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=150, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = PhoneNumberField(_("phone"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("account manager"),
    )
    cooperation_start = models.DateField(
        _("cooperation start"), validators=[validate_plausible_day]
    )
    referred_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referred by"),
    )
    preferred_channel = models.CharField(
        _("preferred channel"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.SMS,
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    wechat_openid = models.CharField(_("WeChat OpenID"), max_length=64, blank=True)
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    tier = models.CharField(
        _("tier"),
        max_length=10,
        choices=Tier.choices,
        default=Tier.CASUAL,
        db_index=True,
    )
    monthly_volume = models.PositiveIntegerField(
        _("monthly parcel volume"), default=0, validators=MONTHLY_PARCELS
    )
    tier_computed_at = models.DateTimeField(
        _("tier computed at"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["outlet", "tier"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    quiet_hours_start__isnull=True, quiet_hours_end__isnull=True
                )
                | models.Q(
                    quiet_hours_start__isnull=False, quiet_hours_end__isnull=False
                ),
                name="customer_quiet_hours_both_or_neither",
            )
        ]

    def __str__(self) -> str:
        return self.company or self.name


class CustomerNeed(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="needs"
    )
    need = models.CharField(_("need"), max_length=20, choices=Need.choices)

    class Meta:
        verbose_name = _("customer need")
        verbose_name_plural = _("customer needs")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "need"], name="one_row_per_customer_need"
            )
        ]
        indexes = [models.Index(fields=["need", "customer"])]

    def __str__(self) -> str:
        return self.get_need_display()


class TierChange(models.Model):
    """History of a customer's tier: one row each time it changed."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.CharField(_("from"), max_length=10, choices=Tier.choices)
    to_tier = models.CharField(_("to"), max_length=10, choices=Tier.choices)
    volume = models.PositiveIntegerField(_("monthly parcel volume"))
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.customer}: {self.from_tier} → {self.to_tier}"


class CustomerHabits(models.Model):
    """The structured part of the customer file (客户档案)."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="habits"
    )
    pickup_window_start = models.TimeField(
        _("preferred pickup from"), null=True, blank=True
    )
    pickup_window_end = models.TimeField(
        _("preferred pickup until"), null=True, blank=True
    )
    days_unavailable = models.JSONField(
        _("days not available"),
        default=list,
        blank=True,
        help_text=_("Weekdays (0 = Monday) on which nobody is there."),
    )
    prefers_parcel_locker = models.BooleanField(
        _("prefers the parcel locker"), default=False
    )
    packaging_preference = models.CharField(
        _("packaging preference"), max_length=200, blank=True
    )

    class Meta:
        verbose_name = _("customer habits")
        verbose_name_plural = _("customer habits")

    def __str__(self) -> str:
        return str(self.customer)

    @property
    def unavailable_day_names(self) -> list[str]:
        return [Weekday(day).label for day in self.days_unavailable]


class CustomerNote(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    noted_on = models.DateField(_("date"), validators=[validate_plausible_day])
    text = models.TextField(_("note"), max_length=NOTE_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer note")
        verbose_name_plural = _("customer notes")
        ordering = ["-noted_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), NOTE_LENGTH),
                name="customer_note_length",
            )
        ]

    def __str__(self) -> str:
        return f"{self.noted_on}: {self.text[:40]}"


class ProgressLink(models.Model):
    """A customer's private progress board link: a long random token, revocable."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="progress_links"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("progress board link")
        verbose_name_plural = _("progress board links")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_progress_link_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.token[:6]}…"
