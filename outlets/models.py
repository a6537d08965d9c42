import re
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

# Han ideographs (with extensions and compatibility forms), kana and Hangul:
# scripts whose names are written family name first, without a space.
_EAST_ASIAN = re.compile(
    "[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)


def person_name(first_name: str, last_name: str) -> str:
    """A person's name as it is written in their script.

    王芳 for first name 芳 and last name 王; "Anna Li" for Anna and Li. Either
    part in a CJK script makes the whole name East Asian, so 王 with "Fang"
    still reads 王Fang rather than "Fang 王".
    """
    first, last = first_name.strip(), last_name.strip()
    if _EAST_ASIAN.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


class Outlet(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessHours(models.Model):
    """Opening hours of an outlet on one weekday, with an optional break."""

    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, related_name="business_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    break_starts = models.TimeField(_("break starts"), null=True, blank=True)
    break_ends = models.TimeField(_("break ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["outlet", "weekday"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "weekday"], name="one_business_hours_per_weekday"
            ),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")),
                name="business_hours_open_before_close",
            ),
            models.CheckConstraint(
                condition=models.Q(break_starts__isnull=True, break_ends__isnull=True)
                | models.Q(
                    break_starts__gt=models.F("opens"),
                    break_ends__gt=models.F("break_starts"),
                    break_ends__lt=models.F("closes"),
                ),
                name="business_hours_break_inside_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outlet.code} {self.get_weekday_display()}"


class Role(models.TextChoices):
    HQ_ADMIN = "hq_admin", _("HQ admin")
    OUTLET_MANAGER = "outlet_manager", _("Outlet manager")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    COURIER = "courier", _("Courier")


class StaffManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra):
        # A superuser works at HQ: the role constraint needs one.
        extra.setdefault("role", Role.HQ_ADMIN)
        return super().create_superuser(username, email, password, **extra)


# knox's untyped token model hides the reverse manager from the plugin.
class Staff(AbstractUser):  # type: ignore[django-manager-missing]
    """A person who logs in. Everyone but HQ works for exactly one outlet."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("outlet"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reports to"),
        help_text=_("Next level of escalation when this person's clock breaches."),
    )

    objects: ClassVar[StaffManager] = StaffManager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="hq_admin") | models.Q(outlet__isnull=False),
                name="staff_outside_hq_has_outlet",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        return person_name(self.first_name, self.last_name)

    @property
    def display_name(self) -> str:
        """How every page, API answer, alert and export names this person."""
        return self.get_full_name() or self.username

    @property
    def is_hq(self) -> bool:
        return self.role == Role.HQ_ADMIN

    @property
    def is_outlet_manager(self) -> bool:
        return self.role == Role.OUTLET_MANAGER

    @property
    def is_account_manager(self) -> bool:
        return self.role == Role.ACCOUNT_MANAGER

    @property
    def is_courier(self) -> bool:
        return self.role == Role.COURIER


class ApiToken(AbstractAuthToken):
    """A staff member's API token (django-rest-knox): only its hash is stored.

    ``password_fingerprint`` binds it to the password it was issued under, the
    way Django binds a session: once the password changes, by any path (the
    admin, the password page, ``changepassword``), the token stops working.
    """

    password_fingerprint: "models.CharField[str, str]" = models.CharField(
        max_length=128
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.token_key[:4]}…"
