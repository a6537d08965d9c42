from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutletsConfig(AppConfig):
    name = "outlets"
    verbose_name = _("Outlets and staff")
