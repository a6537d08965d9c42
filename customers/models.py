from decimal import Decimal

import simple_history
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from phonenumber_field.modelfields import PhoneNumberField

from lib.bounded_inputs import validate_plausible_day
from outlets.models import Outlet, Weekday

# A busy outlet handles tens of thousands of parcels a month; a million from one
# customer (or as a tier boundary) is a typo, and 2**31 would not fit the column.
MAX_MONTHLY_PARCELS = 1_000_000
MONTHLY_PARCELS = [MaxValueValidator(MAX_MONTHLY_PARCELS)]
# A note is a remark for the courier, not a document: 2,000 characters.
NOTE_LENGTH = 2000
# A discount beyond half the list price is a contract price, not a VIP discount.
MAX_FREIGHT_DISCOUNT = Decimal("50")
FREIGHT_DISCOUNT = [
    MinValueValidator(Decimal("0")),
    MaxValueValidator(MAX_FREIGHT_DISCOUNT),
]


# A cold-chain range as a shipment's (°C, % relative humidity): what a reading
# may plausibly be at all; anything outside is a typing error.
COLD_TEMPERATURE_C = [
    MinValueValidator(Decimal("-90")),
    MaxValueValidator(Decimal("90")),
]
HUMIDITY_PCT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class PromisedDelivery(models.TextChoices):
    """A time-sensitive customer's default service level (a shipment's too)."""

    SAME_DAY = "same_day", _("Same-day delivery")
    NEXT_MORNING = "next_morning", _("Next-morning delivery")


def _range(label, validators, digits: int) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=digits,
        decimal_places=1,
        null=True,
        blank=True,
        validators=validators,
    )


def _ordered(low: str, high: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{low}__isnull": True, f"{high}__isnull": True})
        | models.Q(
            **{
                f"{low}__isnull": False,
                f"{high}__isnull": False,
                f"{low}__lte": models.F(high),
            }
        ),
        name=name,
    )


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
    # The VIP pool (key customers): shown wherever a price is quoted.
    freight_discount_percent = models.DecimalField(
        _("freight discount (%)"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("0"),
        validators=FREIGHT_DISCOUNT,
        help_text=_("0 to 50 %, off the list freight price."),
    )
    tier_computed_at = models.DateTimeField(
        _("tier computed at"), null=True, blank=True
    )
    # Care messages only (greetings, campaigns, offers); service notices such as
    # milestones and delays still reach the customer.
    care_opt_out = models.BooleanField(
        _("no care messages"),
        default=False,
        help_text=_("Greetings and offers are not sent; service notices still are."),
    )
    # Needs that reach shipments: a cold-chain customer's range is the
    # default of each of their shipments, so monitoring actually happens.
    cold_temperature_min_c = _range(
        _("cold chain: lowest temperature (°C)"), COLD_TEMPERATURE_C, 5
    )
    cold_temperature_max_c = _range(
        _("cold chain: highest temperature (°C)"), COLD_TEMPERATURE_C, 5
    )
    cold_humidity_min_pct = _range(
        _("cold chain: lowest humidity (%)"), HUMIDITY_PCT, 4
    )
    cold_humidity_max_pct = _range(
        _("cold chain: highest humidity (%)"), HUMIDITY_PCT, 4
    )
    guarantee_48h = models.BooleanField(
        _("48-hour delivery guarantee"),
        default=False,
        help_text=_("Cold chain: every shipment is delivered within 48 hours."),
    )
    promised_delivery = models.CharField(
        _("default delivery promise"),
        max_length=15,
        choices=PromisedDelivery.choices,
        blank=True,
        help_text=_("Time-sensitive: same-day or next-morning by default."),
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
            ),
            # One phone, one customer per outlet: what makes an import re-run
            # report duplicates instead of doubling the book, even concurrently.
            models.UniqueConstraint(
                fields=["outlet", "phone"], name="one_customer_per_phone_in_outlet"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    freight_discount_percent__gte=0,
                    freight_discount_percent__lte=MAX_FREIGHT_DISCOUNT,
                ),
                name="customer_freight_discount_in_bounds",
            ),
            # Both ends or neither, lowest first (a range of one end is a typo).
            _ordered(
                "cold_temperature_min_c",
                "cold_temperature_max_c",
                "customer_cold_temperature_range",
            ),
            _ordered(
                "cold_humidity_min_pct",
                "cold_humidity_max_pct",
                "customer_cold_humidity_range",
            ),
            models.CheckConstraint(
                condition=models.Q(cold_temperature_min_c__isnull=True)
                | models.Q(
                    cold_temperature_min_c__gte=-90, cold_temperature_max_c__lte=90
                ),
                name="customer_cold_temperature_plausible",
            ),
            models.CheckConstraint(
                condition=models.Q(cold_humidity_min_pct__isnull=True)
                | models.Q(
                    cold_humidity_min_pct__gte=0, cold_humidity_max_pct__lte=100
                ),
                name="customer_cold_humidity_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.company or self.name


class CareTag(models.TextChoices):
    """What a customer's people do, so care follows needs, not ritual."""

    LONG_HAUL = "long_haul", _("Long-haul drivers")
    OUTDOOR_WORK = "outdoor_work", _("Works outdoors")
    E_COMMERCE = "e_commerce", _("Online shop (promotion peaks)")
    FRESH_PRODUCE = "fresh_produce", _("Fresh produce grower")


class CustomerCareTag(models.Model):
    customer = models.ForeignKey(
        "Customer", on_delete=models.CASCADE, related_name="care_tags"
    )
    tag = models.CharField(_("care tag"), max_length=20, choices=CareTag.choices)

    class Meta:
        verbose_name = _("care tag")
        verbose_name_plural = _("care tags")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "tag"], name="one_row_per_customer_care_tag"
            )
        ]
        indexes = [models.Index(fields=["tag", "customer"])]

    def __str__(self) -> str:
        return self.get_tag_display()


class PersonalDateKind(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    CHILD_EXAM = "child_exam", _("A child's exam")
    COMPANY_ANNIVERSARY = "company_anniversary", _("Company anniversary")
    OTHER = "other", _("Other date")


class PersonalDate(models.Model):
    """A date from the customer file: yearly when ``year`` is empty, else once.

    A yearly 29 February falls on 28 February in other years.
    """

    customer = models.ForeignKey(
        "Customer", on_delete=models.CASCADE, related_name="personal_dates"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PersonalDateKind.choices)
    label = models.CharField(_("what"), max_length=100, blank=True)
    month = models.PositiveSmallIntegerField(_("month"))
    day = models.PositiveSmallIntegerField(_("day"))
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, help_text=_("Empty: every year.")
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("personal date")
        verbose_name_plural = _("personal dates")
        ordering = ["month", "day", "pk"]
        indexes = [models.Index(fields=["month", "day"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12, day__gte=1, day__lte=31)
                & (
                    models.Q(year__isnull=True)
                    | models.Q(year__gte=2000, year__lte=2099)
                ),
                name="personal_date_plausible",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:02d}-{self.day:02d}"


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
    def unavailable_day_names(self) -> list[StrOrPromise]:
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


class ImportState(models.TextChoices):
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked, waiting for confirmation")
    QUEUED = "queued", _("Waiting to import")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One upload of customers: its file, the dry run's findings, then the import.

    The file is kept in the row so that any worker can read it; the progress
    and the per-row errors are columns the import page polls.
    """

    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"))
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4)
    # The uploader's language: the per-row reasons are written in it.
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    content = models.BinaryField()
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ImportState.choices,
        default=ImportState.CHECKING,
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    rows_good = models.PositiveIntegerField(_("good rows"), default=0)
    rows_bad = models.PositiveIntegerField(_("rows with errors"), default=0)
    rows_created = models.PositiveIntegerField(_("customers created"), default=0)
    # [{"line": 3, "field": "phone", "message": "…"}], in line order.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    failure = models.CharField(_("failure"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name


class PhoneRevealVia(models.TextChoices):
    PAGE = "page", _("Customer page")
    PICKUP = "pickup", _("Courier's pickup page")
    API = "api", _("API")


class PhoneReveal(models.Model):
    """Someone was shown a customer's full phone number: who, when, where.

    Lists mask the number (138****8000); each place that shows it in full
    writes one of these rows, which managers read on the customer page.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="phone_reveals"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("shown to"),
    )
    via = models.CharField(_("where"), max_length=10, choices=PhoneRevealVia.choices)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("phone number shown")
        verbose_name_plural = _("phone numbers shown")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["customer", "-at"])]

    def __str__(self) -> str:
        return f"{self.customer} {self.at:%Y-%m-%d %H:%M}"


# The audit trail (django-simple-history): a snapshot row per save or delete,
# with the user of the request that made it. Bulk writes (tier recount,
# system-made progress links) are not people's changes and are not recorded;
# a progress link's token is a key and stays out of its history.
simple_history.register(Customer, excluded_fields=["tier_computed_at"])
simple_history.register(CustomerHabits)
simple_history.register(CustomerNote)
simple_history.register(CustomerNeed)
simple_history.register(ProgressLink, excluded_fields=["token"])
