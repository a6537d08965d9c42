from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    """Customer care: follow-ups, care plans, campaigns, surveys; the top floor."""

    name = "followups"
    verbose_name = _("Customer care")

    def ready(self) -> None:
        # Care message templates join the outbox's, so the SMS channel can
        # send their template code and parameters like any other message.
        from followups.occasions.texts import register
        from followups.surveys.texts import register as register_surveys

        register()
        register_surveys()
