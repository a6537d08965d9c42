"""The model fields' bounds, checked by the services for every caller.

Forms and serializers carry the same bounds for the user's sake; this is the
one check a task, a page and the API all pass through before a row is written.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from outlets.errors import DomainError


def check_plausible(
    model: type[Model], values: dict, *, names: dict[str, str] | None = None
) -> None:
    """Refuse ``values`` (model field name → value) outside the fields' bounds.

    ``names`` maps a model field to the input that carried it, so the refusal
    names what the user typed.
    """
    errors = {}
    for name, value in values.items():
        try:
            _validate(model._meta.get_field(name), value)
        except ValidationError as error:
            errors[(names or {}).get(name, name)] = error.messages
    if errors:
        raise DomainError(_("A value is out of the plausible range."), fields=errors)


def _validate(field, value) -> None:
    # to_python first: callers pass ints for decimals, as Python allows.
    value = field.to_python(value)
    field.run_validators(value)
    # A TextField's max_length is left to forms; check it here as well.
    if field.max_length and isinstance(value, str):
        MaxLengthValidator(field.max_length)(value)
