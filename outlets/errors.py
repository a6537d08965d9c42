from django.forms import BaseForm
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A state change the domain refuses: wrong order, wrong person, bad value.

    ``fields`` names the inputs at fault, so pages show a form error beside them
    and the API answers 400 with the same reasons.
    """

    status = 400
    code = "invalid"

    def __init__(self, message, *, fields: dict | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class StateConflict(DomainError):
    """The subject is not in a state that allows this step (409)."""

    status = 409
    code = "conflict"


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"

    def __init__(self, message=None, **kwargs):
        super().__init__(message or _("You may not do this."), **kwargs)


def show_on_form(form: BaseForm, error: DomainError) -> bool:
    """Show a refusal on a page's form, the one way every page does.

    The refusal's message goes above the form; each reason goes beside the
    input it names, or above the form when the form has no such input.
    Returns whether the refusal named one of the form's inputs, so a page
    whose form it does not concern (a stale page) can show it elsewhere.
    """
    form.add_error(None, str(error.message))
    named = False
    for name, reasons in error.fields.items():
        inside = name in form.fields
        named = named or inside
        for reason in reasons:
            form.add_error(name if inside else None, str(reason))
    return named
