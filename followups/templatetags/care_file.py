"""What the care part of the customer page needs beside the customer."""

from django import template

from customers.models import CareTag, PersonalDateKind

register = template.Library()


@register.simple_tag
def care_choices() -> dict:
    return {"kinds": PersonalDateKind.choices, "tags": CareTag.choices}


@register.filter
def month_day(row) -> str:
    return f"{row.month:02d}-{row.day:02d}"
