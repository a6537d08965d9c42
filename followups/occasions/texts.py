"""Texts of care messages, registered with the outbox's templates.

The outbox stores both renderings; the SMS channel reads the parameters of a
template-coded message back from its text, so the template must be known to
``clocks.texts`` (``register`` runs when the app is ready).
"""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from clocks.texts import LANGUAGES, TEMPLATES

CARE_TEMPLATES = {
    "care_campaign": _("Dear %(customer)s, %(text)s"),
    "warehouse_warning": _(
        "Dear %(customer)s, %(season)s starts on %(day)s and your warehouse was "
        "%(fill)s%% full. We can store goods for you meanwhile: just reply."
    ),
}
# Care messages a customer may opt out of; every other template is a service
# notice (milestones, delays, problem answers) and always goes out.
CARE_MESSAGE_TEMPLATES = frozenset(CARE_TEMPLATES)


def register() -> None:
    for name, text in CARE_TEMPLATES.items():
        TEMPLATES.setdefault(name, text)


def split_around(template: str, field: str, context: dict) -> dict[str, tuple]:
    """Per language, the text before and after ``field`` with the rest filled in.

    The fan-out builds each customer's text in SQL: the prefix, the customer's
    name, the suffix; the template is translated once, not once per customer.
    """
    marker = "\x00"
    parts = {}
    for language in LANGUAGES:
        with translation.override(language):
            text = str(CARE_TEMPLATES[template]) % {**context, field: marker}
        before, _sep, after = text.partition(marker)
        parts[language] = (before, after)
    return parts
