from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    """Customer care: follow-ups, care plans, campaigns, surveys; the top floor."""

    name = "followups"
    verbose_name = _("Customer care")
