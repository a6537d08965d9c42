"""``{{ customer.phone|masked_phone }}``: lists show 138****8000, never the number."""

from django import template

from lib.log_scrub import scrub
from lib.phones import mask_phone

register = template.Library()


@register.filter
def masked_phone(value: object) -> str:
    return mask_phone(value)


@register.filter
def masked_address(value: object) -> str:
    """A message's address: a phone masked, a WeChat id or a login as it is."""
    return scrub(str(value or ""))
