"""Texts of survey messages, registered with the outbox's templates (so the SMS
channel can send their template code and parameters like any other message)."""

from django.utils.translation import gettext_lazy as _

from clocks.texts import TEMPLATES

AFTER_DELIVERY = "survey_after_delivery"
AFTER_PROBLEM = "survey_after_problem"

SURVEY_TEMPLATES = {
    AFTER_DELIVERY: _(
        "Dear %(customer)s, parcel %(waybill)s was signed for. How likely are "
        "you to recommend us to a friend? One tap, 0 to 10: %(link)s"
    ),
    AFTER_PROBLEM: _(
        "Dear %(customer)s, we have put right the problem you reported. How "
        "likely are you to recommend us to a friend? One tap, 0 to 10: %(link)s"
    ),
}


def register() -> None:
    for name, text in SURVEY_TEMPLATES.items():
        TEMPLATES.setdefault(name, text)
