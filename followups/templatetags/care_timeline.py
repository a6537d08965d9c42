"""The customer page's timeline, read by the partial that shows it."""

from django import template
from django.utils import timezone

from outlets.access import Capability, may

from ..selectors import customer_timeline

register = template.Library()

# The customer page shows the latest few; the timeline page has the rest.
LATEST = 10


@register.simple_tag(takes_context=True)
def latest_timeline(context, customer) -> dict:
    entries, older = customer_timeline(customer, now=timezone.now(), limit=LATEST)
    user = context["request"].user
    return {
        "entries": entries,
        "older": older,
        "may_plan": may(user, Capability.WORK_FOLLOW_UPS, outlet_id=customer.outlet_id),
    }
