"""``{% load capabilities %}`` and ``{% if request.user|may:"add_note" %}``: templates
show a button exactly when the page behind it would let the user in."""

from django import template

from outlets.access import Capability
from outlets.access import may as _may

register = template.Library()


@register.filter
def may(user, capability: str) -> bool:
    # Capability() raises on a misspelt name, so a typo fails loudly in tests
    # instead of silently hiding a button.
    capability = Capability(capability)
    # A template rendered without a request has "" for request.user.
    return hasattr(user, "is_authenticated") and _may(user, capability)
