"""One row of a customer file: the arguments of ``customer_create``, or the
reasons (per field, translated) it cannot be imported.

The row is checked against the book as it is (phones already in the outlet,
its office staff) and against the rows above it in the same file.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import to_python

from customers.imports.columns import choice_names, normal
from customers.models import Channel, Customer, Need, Tier
from customers.services import office_staff
from lib.bounded_inputs import validate_plausible_day
from lib.model_fields import max_length
from outlets.models import Outlet, Staff

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
# Several needs in one cell: commas (also Chinese ones), semicolons, 、 or |.
NEED_SEPARATORS = re.compile(r"[,，;；、|/]")


@dataclass
class Book:
    """What rows are checked against, read once per file."""

    outlet: Outlet
    phones: dict[str, int]  # E.164 of the outlet's customers -> their id
    staff: dict[str, Staff]  # username, or unique display name -> office staff
    # Per column with choices: each way of writing a choice -> its value.
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # phone -> line in file


@dataclass
class Checked:
    line: int
    fields: dict
    errors: dict[str, list[str]]
    # A referrer that is an earlier row of the same file, by its phone.
    referrer_in_file: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def book_of(outlet: Outlet) -> Book:
    phones = Customer.objects.filter(outlet=outlet).values_list("phone", "pk")
    choices = {
        "preferred_channel": choice_names(Channel.choices),
        "language": choice_names(settings.LANGUAGES),
        "tier": choice_names(Tier.choices),
        "needs": choice_names(Need.choices),
    }
    by_phone = {str(phone): pk for phone, pk in phones}
    return Book(outlet, by_phone, _staff(outlet), choices)


def _staff(outlet: Outlet) -> dict[str, Staff]:
    people = list(office_staff(outlet))
    by_name: dict[str, list[Staff]] = {}
    for person in people:
        by_name.setdefault(normal(person.display_name), []).append(person)
    names = {name: found[0] for name, found in by_name.items() if len(found) == 1}
    return names | {normal(person.username): person for person in people}


def check_row(book: Book, line: int, row: dict[str, str]) -> Checked:
    checked = Checked(line, {}, {})
    for name in TEXT_LIMITS:
        _take(checked, name, _text_field, row.get(name, ""), name)
    _take(checked, "phone", _phone, book, row.get("phone", ""), line)
    _take(checked, "cooperation_start", _day, row.get("cooperation_start", ""))
    _take(checked, "account_manager", _account_manager, book, row)
    for name in ("preferred_channel", "language", "tier"):
        _take(checked, name, _choice, book, row, name)
    _take(checked, "needs", _needs, book, row.get("needs", ""))
    _referrer(checked, book, row.get("referred_by", ""))
    return checked


def _take(checked: Checked, name: str, parse, *args) -> None:
    try:
        value = parse(*args)
    except ValidationError as error:
        checked.errors.setdefault(name, []).extend(error.messages)
    else:
        if value is not None:
            checked.fields[name] = value


TEXT_LIMITS = ("name", "company", "contact_person", "address")


def _text_field(text: str, name: str) -> str:
    if name == "name" and not text:
        raise ValidationError(_("Required."))
    limit = max_length(Customer, name)
    if len(text) > limit:
        raise ValidationError(
            _("At most %(max)s characters (this has %(n)s).")
            % {"max": limit, "n": len(text)}
        )
    return text


def _phone(book: Book, text: str, line: int) -> str:
    if not text:
        raise ValidationError(_("Required."))
    number = to_python(text, region=settings.PHONENUMBER_DEFAULT_REGION)
    if not number or not number.is_valid():
        raise ValidationError(_("Not a valid phone number."))
    phone = number.as_e164
    if phone in book.phones:
        raise ValidationError(_("A customer of this outlet already has this phone."))
    if phone in book.seen:
        raise ValidationError(
            _("The same phone as line %(line)s of this file.")
            % {"line": book.seen[phone]}
        )
    book.seen[phone] = line
    return phone


def _day(text: str) -> date:
    if not text:
        raise ValidationError(_("Required."))
    for pattern in DATE_FORMATS:
        try:
            day = datetime.strptime(text, pattern).date()  # noqa: DTZ007 a day
        except ValueError:
            continue
        validate_plausible_day(day)
        return day
    raise ValidationError(_("Write the date as 2026-03-01."))


def _account_manager(book: Book, row: dict[str, str]) -> Staff | None:
    text = row.get("account_manager", "")
    if not text:
        return None
    person = book.staff.get(normal(text))
    if person is None:
        raise ValidationError(
            _("%(name)s is not office staff of this outlet.") % {"name": text}
        )
    return person


def _choice(book: Book, row: dict[str, str], name: str) -> str | None:
    text = row.get(name, "")
    if not text:
        return None
    value = book.choices[name].get(normal(text))
    if value is None:
        raise ValidationError(_("Unknown value: %(value)s") % {"value": text})
    return value


def _needs(book: Book, text: str) -> list[str]:
    names = book.choices["needs"]
    parts = [part.strip() for part in NEED_SEPARATORS.split(text) if part.strip()]
    unknown = [part for part in parts if normal(part) not in names]
    if unknown:
        raise ValidationError(
            _("Unknown need: %(need)s") % {"need": ", ".join(unknown)}
        )
    return sorted({names[normal(part)] for part in parts}) or [Need.ORDINARY]


def _referrer(checked: Checked, book: Book, text: str) -> None:
    """A referrer is a customer of the outlet, or a row above, by phone."""
    if not text:
        return
    number = to_python(text, region=settings.PHONENUMBER_DEFAULT_REGION)
    phone = number.as_e164 if number and number.is_valid() else None
    if phone in book.phones:
        checked.fields["referred_by_id"] = book.phones[phone]
    elif phone in book.seen and book.seen[phone] < checked.line:
        checked.referrer_in_file = phone
    else:
        checked.errors["referred_by"] = [
            _("No customer of this outlet, nor a row above, has this phone.")
        ]
