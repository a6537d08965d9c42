"""``{% customer_audit customer as audit %}``: the trail the customer page shows."""

from django import template

from customers.audit import customer_trail
from customers.phone_reveals import phone_reveals_of
from outlets.access import Capability, may

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_audit(context, customer) -> dict | None:
    """Managers only: who changed the customer, and who was shown the phone."""
    if not may(context["request"].user, Capability.SEE_AUDIT_TRAIL):
        return None
    return {"trail": customer_trail(customer), "reveals": phone_reveals_of(customer)}
