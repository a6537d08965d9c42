from datetime import timedelta

import simple_history
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Need, Tier
from lib.bounds import FIRST_DAY, LAST_DAY
from outlets.models import Outlet


class ClockKind(models.TextChoices):
    PICKUP_CONTACT = "pickup_contact", _("Pickup contact")
    PICKUP_ENTRY = "pickup_entry", _("Pickup entry")
    MILESTONE_PUSH = "milestone_push", _("Milestone push")
    PROBLEM_RESPONSE = "problem_response", _("Problem response")
    PROBLEM_SOLUTION = "problem_solution", _("Problem solution")
    PROBLEM_REMEDY = "problem_remedy", _("Problem remedy")
    COLD_CHAIN_ALARM = "cold_chain_alarm", _("Cold-chain alarm")
    FOLLOW_UP = "follow_up", _("Follow-up")
    # Delivery promises, from pickup to signature (a shipment's service level
    # or the customer's 48-hour guarantee): deadlines, not policy minutes.
    SAME_DAY = "same_day", _("Same-day delivery")
    NEXT_MORNING = "next_morning", _("Next-morning delivery")
    GUARANTEE_48H = "guarantee_48h", _("48-hour delivery guarantee")


class SubjectType(models.TextChoices):
    PICKUP = "pickup", _("Pickup")
    MILESTONE = "milestone", _("Milestone")
    PROBLEM = "problem", _("Problem")
    EXCURSION = "excursion", _("Cold-chain excursion")
    FOLLOW_UP = "follow_up", _("Follow-up")
    SHIPMENT = "shipment", _("Shipment")


class Counting(models.TextChoices):
    CALENDAR = "calendar", _("Around the clock")
    BUSINESS_HOURS = "business_hours", _("Outlet business hours")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class ClockPolicy(models.Model):
    """How many minutes a clock kind allows, optionally for one tier or need.

    A row with no outlet is the network default; an outlet's own row wins over
    it, and a row naming a tier or need wins over one that does not.
    """

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="clock_policies",
        verbose_name=_("outlet"),
    )
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, blank=True)
    need = models.CharField(_("need"), max_length=20, choices=Need.choices, blank=True)
    minutes = models.PositiveIntegerField(
        _("minutes"), validators=[MinValueValidator(1)]
    )
    warn_before_minutes = models.PositiveIntegerField(
        _("warn this many minutes before"), default=5
    )
    counting = models.CharField(
        _("counting"),
        max_length=15,
        choices=Counting.choices,
        default=Counting.CALENDAR,
    )
    escalate_after_minutes = models.PositiveIntegerField(
        _("escalate again after (minutes)"),
        default=30,
        validators=[MinValueValidator(1)],
    )
    label = models.CharField(
        _("label shown to staff"),
        max_length=60,
        blank=True,
        help_text=_("For example “priority pickup” for key customers."),
    )

    class Meta:
        verbose_name = _("clock policy")
        verbose_name_plural = _("clock policies")
        ordering = ["kind", "outlet", "tier", "need"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "kind", "tier", "need"],
                name="one_policy_per_scope",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0), name="policy_minutes_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.minutes}′"


class Clock(models.Model):
    """One service promise with its deadline; the sweep reads due rows by index."""

    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    subject_type = models.CharField(
        _("subject"), max_length=12, choices=SubjectType.choices
    )
    subject_id = models.BigIntegerField(_("subject id"))
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.CASCADE,
        related_name="clocks",
        verbose_name=_("outlet"),
        # Covered by the (outlet, state, due_at) index; a second index on
        # outlet alone only cost every clock insert.
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="clocks",
        verbose_name=_("customer"),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clocks",
        verbose_name=_("responsible"),
    )
    policy_minutes = models.PositiveIntegerField(_("minutes allowed"))
    policy_label = models.CharField(_("policy"), max_length=60, blank=True)
    counting = models.CharField(_("counting"), max_length=15, choices=Counting.choices)
    # A duration, not minutes, so the sweep can write "now + escalate_after" for
    # a whole batch in its claiming UPDATE on every database.
    escalate_after = models.DurationField(
        _("escalate again after"), default=timedelta(minutes=30)
    )
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ClockState.choices,
        default=ClockState.RUNNING,
    )
    started_at = models.DateTimeField(_("started at"))
    warn_at = models.DateTimeField(_("warn at"))
    due_at = models.DateTimeField(_("due at"))
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    breach_recorded_at = models.DateTimeField(
        _("breach recorded at"), null=True, blank=True
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("time paused (s)"), default=0)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), default=0
    )
    next_escalation_at = models.DateTimeField(
        _("next escalation at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"],
                name="one_clock_per_subject_and_kind",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="clock_running_due",
                condition=models.Q(state="running"),
            ),
            models.Index(
                fields=["warn_at"],
                name="clock_running_warn",
                condition=models.Q(state="running", warned_at__isnull=True),
            ),
            models.Index(
                fields=["next_escalation_at"],
                name="clock_breached_escalation",
                condition=models.Q(state="breached", next_escalation_at__isnull=False),
            ),
            models.Index(fields=["outlet", "state", "due_at"]),
            # Breaches not yet put right (a met breach stays "breached"): the
            # account manager's day reads them by outlet in due order without
            # walking the outlet's whole history of breaches.
            models.Index(
                fields=["outlet", "due_at"],
                name="clock_breached_unmet_due",
                condition=models.Q(state="breached", met_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.subject_id}"


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    STAFF = "staff", _("Staff alert")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Dead")


class Message(models.Model):
    """The outbox: every message is a row first, delivered after commit."""

    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("outlet"),
        # Covered by the (outlet, status) index; a second index on outlet
        # alone only cost every message insert.
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("customer"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("staff member"),
    )
    clock = models.ForeignKey(
        Clock,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        help_text=_("A clock that is met once this message is delivered."),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=MessageChannel.choices
    )
    address = models.CharField(_("address"), max_length=255)
    template = models.CharField(_("template"), max_length=40)
    language = models.CharField(_("language"), max_length=10)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MessageStatus.choices,
        default=MessageStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="message_pending_next",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["outlet", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.address}"

    @property
    def text(self) -> str:
        return self.text_zh if self.language == "zh-hans" else self.text_en


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKDAY = "workday", _("Make-up working day")


class CalendarDay(models.Model):
    """A day that breaks the weekly pattern: a holiday, or a make-up working day (调休).

    Loaded per year from the chinese-calendar package
    (``manage.py load_china_calendar``) and editable in the admin, so a year the
    package does not know yet can be typed in when the State Council publishes it.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class CalendarSource(models.TextChoices):
    PACKAGE = "package", _("chinese-calendar package")
    TEXT = "text", _("Published arrangement, entered as text")
    EARLIER = "earlier", _("Calendar days stored before years were recorded")


class CalendarYear(models.Model):
    """Whether a year's official holiday arrangement is loaded (see docs/calendar.md).

    Until it is, business-hours clocks count that year's estimated statutory
    holidays, and the board, policies page, admin and sweep say so. The sweep
    also stamps ``warned_at`` here, so its hourly warning holds across processes.
    """

    year = models.PositiveSmallIntegerField(
        _("year"),
        unique=True,
        validators=[
            MinValueValidator(FIRST_DAY.year),
            MaxValueValidator(LAST_DAY.year),
        ],
    )
    source = models.CharField(
        _("source"), max_length=10, choices=CalendarSource.choices, blank=True
    )
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("last warned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


# Who changed a policy, and from what (the audit trail, django-simple-history).
# Clocks and messages are high-volume and written in bulk: no history.
simple_history.register(ClockPolicy)
