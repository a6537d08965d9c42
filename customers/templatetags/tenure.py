"""The customer's tenure (合作周期) in templates: ``{{ customer|tenure }}``."""

from django import template
from django.utils import timezone

from ..tenure import tenure_on

register = template.Library()


@register.filter
def tenure(customer) -> str:
    """new, stable or loyal today (the site's local day)."""
    return tenure_on(customer.cooperation_start, timezone.localdate())
