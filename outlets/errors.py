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
