"""Message texts, rendered in both languages when the message is written.

Each template is a translatable string with named placeholders; the outbox row
keeps both renderings so a customer's language can change without re-rendering.
"""

from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext_lazy as _

TEMPLATES = {
    "clock_warning": _("Reminder: %(clock)s for %(customer)s is due at %(due)s."),
    "clock_breach": _(
        "Breach: %(clock)s for %(customer)s was due at %(due)s "
        "(responsible: %(responsible)s)."
    ),
    "clock_escalation": _(
        "Still open after breach, escalated to you: %(clock)s for %(customer)s "
        "was due at %(due)s (responsible: %(responsible)s)."
    ),
    "pickup_entered": _(
        "Dear %(customer)s, your parcel was picked up and entered as waybill "
        "%(waybill)s (%(pieces)s pieces, %(weight)s kg). Track it: %(link)s"
    ),
    "milestone": _(
        "Dear %(customer)s, waybill %(waybill)s: %(milestone)s at %(location)s, "
        "%(when)s. Track it: %(link)s"
    ),
    "progress_update": _(
        "Dear %(customer)s, waybill %(waybill)s is %(status)s. "
        "Expected arrival: %(expected)s. Track it: %(link)s"
    ),
    "delay_notice": _(
        "Dear %(customer)s, waybill %(waybill)s is delayed: %(reason)s. "
        "New expected time: %(expected)s. Our plan: %(plan)s"
    ),
    "problem_response": _(
        "Dear %(customer)s, we have your report about waybill %(waybill)s "
        "and are on it: %(note)s"
    ),
    "cold_chain_alarm": _(
        "Cold-chain alarm: waybill %(waybill)s read %(temperature)s °C / "
        "%(humidity)s %% at %(when)s, outside its range. Handle within "
        "%(minutes)s minutes."
    ),
}

LANGUAGES = ("zh-hans", "en")


def render(template: str, context: dict) -> dict[str, str]:
    """The text of ``template`` in every language, keyed by language code."""
    texts = {}
    for language in LANGUAGES:
        with translation.override(language):
            texts[language] = str(TEMPLATES[template]) % {
                key: str(value) for key, value in context.items()
            }
    return texts


def renderer(template: str, labels: dict[str, type[TextChoices]] | None = None):
    """Translate ``template`` once per language; format many rows cheaply.

    ``labels`` names context fields that hold a choice's value (a milestone
    kind, a status): the rendering shows the choice's label, translated too.
    """
    formats = {}
    for language in LANGUAGES:
        with translation.override(language):
            names = {
                field: {value: str(label) for value, label in choices.choices}
                for field, choices in (labels or {}).items()
            }
            formats[language] = (str(TEMPLATES[template]), tuple(names.items()))
    per_language = tuple(formats.items())

    def render(context: dict) -> dict[str, str]:
        texts = {}
        for language, (fmt, names) in per_language:
            if names:
                values = context.copy()
                for field, label in names:
                    values[field] = label[context[field]]
            else:
                values = context
            texts[language] = fmt % values
        return texts

    return render
