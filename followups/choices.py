"""The follow-up's choices, apart from its model so every care model can use them
without importing ``followups.models`` (which imports every care model)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpKind(models.TextChoices):
    RETURN_VISIT = "return_visit", _("Return visit")
    NEW_CUSTOMER_CHECK_IN = "new_customer_check_in", _("New-customer check-in")
    FIRST_MONTH_REVIEW = "first_month_review", _("First-month review")
    HOLIDAY_CARE = "holiday_care", _("Holiday care")
    PERSONAL_DATE = "personal_date", _("Personal date")
    PROMOTION = "promotion", _("Promotion")
    OPEN_DAY = "open_day", _("Open-day invitation")
    PEAK_SEASON_PLANNING = "peak_season_planning", _("Peak-season planning")
    WAREHOUSE_WARNING = "warehouse_warning", _("Warehouse warning")
    RETENTION_CALL = "retention_call", _("Retention call")
    DETRACTOR_CALL = "detractor_call", _("Detractor call")
    REFERRAL_THANKS = "referral_thanks", _("Thank a referrer")
    ASSIGN_ACCOUNT_MANAGER = "assign_account_manager", _("Assign an account manager")
    MANUAL = "manual", _("Manual")


class FollowUpChannel(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone call")
    WECHAT = "wechat", _("WeChat")
    SMS = "sms", _("SMS")


class FollowUpState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    CONCERN_RAISED = "concern_raised", _("Raised a concern")
    MORE_BUSINESS = "more_business", _("More business")
    NO_ANSWER = "no_answer", _("No answer")
    OTHER = "other", _("Other")
