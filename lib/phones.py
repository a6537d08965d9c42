"""Phone numbers as lists and logs show them: 138****8000.

A list shows who a customer is, not how to reach them; the full number is
shown only where someone acts on it (the courier's call button, the customer
detail for office staff) and is asked for explicitly in the API.
"""

import re

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat

HIDDEN = "****"


def mask_phone(phone: object) -> str:
    """``+8613800138000`` -> ``138****8000``; a foreign number keeps its code.

    Accepts a PhoneNumber, an E.164 string or what a person typed; an empty
    value stays empty. Three digits in front and four behind, as Chinese
    carriers and banks print a number.
    """
    if phone is None or str(phone) == "":
        return ""
    number = phone if isinstance(phone, PhoneNumber) else _parsed(str(phone))
    if number is None:
        return _masked_digits(re.sub(r"\D", "", str(phone)))
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    masked = _masked_digits(re.sub(r"\D", "", national))
    return masked if number.country_code == 86 else f"+{number.country_code} {masked}"


def _parsed(text: str) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None


def _masked_digits(digits: str) -> str:
    if len(digits) < 8:
        return HIDDEN
    return f"{digits[:3]}{HIDDEN}{digits[-4:]}"
