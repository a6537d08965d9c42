"""Surveys (NPS): sent after signed deliveries and remedied problems, answered
once; a detractor's answer raises a call for the account manager.

Pulled from the top floor: shipments know nothing of surveys. A beat task
scans new signed milestones (``followups.watermarks``) and recently remedied
problems; what it sends is keyed by a unique constraint (one survey per
shipment, per problem, one delivery survey per customer and month), so a
re-run or two runs at once send nothing twice.

Care opt-out: a customer marked "no care messages" gets no survey. A survey is
not a service notice (it tells nothing about their parcels); it asks for the
customer's time on the outlet's behalf, which is what the opt-out declines.
"""

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from clocks.outbox import ToCustomer, to_customers
from clocks.texts import renderer
from customers.models import Customer
from lib.inserts import insert_new
from outlets.errors import DomainError, StateConflict
from shipments.models import Milestone, MilestoneKind, Problem, ProblemStage, Shipment

from ..models import FollowUpChannel, FollowUpKind
from ..services import follow_up_create
from ..watermarks import scan_from_mark
from .models import (
    COMMENT_LENGTH,
    MAX_SCORE,
    MIN_SCORE,
    NpsGroup,
    Survey,
    SurveyReason,
    nps_group,
)
from .texts import AFTER_DELIVERY, AFTER_PROBLEM

# A delivery signed (or a problem remedied) longer ago than this is not asked
# about: the customer no longer remembers it, and a first run after a long
# pause (or on an old book) must not survey the past.
FRESH = timedelta(days=3)
DETRACTOR_CALL_WITHIN = timedelta(hours=24)
BATCH = 2000
SIGNED_MARK = "surveys:signed"


class NewSurvey(NamedTuple):
    """A survey row as one INSERT writes it; the field order is the column list."""

    outlet_id: int
    customer_id: int
    reason: str
    shipment_id: int | None
    problem_id: int | None
    month: date
    token: str
    sent_at: datetime
    expires_at: datetime
    comment: str = ""
    language: str = ""


def month_of(now: datetime) -> date:
    """The first day of ``now``'s calendar month on the outlet's clock (Shanghai)."""
    return (
        timezone.localtime(now, timezone.get_default_timezone()).date().replace(day=1)
    )


def is_sampled(shipment_id: int, percent: int) -> bool:
    """Whether a signed delivery is in the sample: a fixed hash of the shipment,
    so a re-run decides the same and the sample is spread evenly."""
    digest = hashlib.sha256(f"survey:{shipment_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def survey_url(token: str) -> str:
    """The public address of a survey, as it goes out in the message."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("survey:answer", args=[token])


# --- Sending ---------------------------------------------------------------------


def surveys_send_due(*, now: datetime) -> dict[str, int]:
    """The beat task's work: both scans, each once."""
    return {
        "after_delivery": surveys_after_deliveries(now=now),
        "after_problem": surveys_after_remedies(now=now),
    }


def surveys_after_deliveries(*, now: datetime, percent: int | None = None) -> int:
    """Survey a sample of the deliveries signed since the last run.

    1. New signed milestones (by key, from the scan mark) that happened within
       ``FRESH``.
    2. Keep the sampled ones (``SURVEY_SAMPLE_PERCENT``, a hash of the shipment).
    3. Drop customers who opted out of care, and those already surveyed in this
       calendar month (Shanghai), whatever the reason.
    4. One survey per customer (their first such shipment), written and sent.
    Returns how many surveys were sent.
    """
    if percent is None:
        percent = settings.SURVEY_SAMPLE_PERCENT
    signed = Milestone.objects.filter(
        kind=MilestoneKind.SIGNED, occurred_at__gte=now - FRESH, occurred_at__lte=now
    ).only("pk", "shipment_id")

    def handle(milestones: Sequence[Milestone]) -> int:
        sampled = [
            m.shipment_id for m in milestones if is_sampled(m.shipment_id, percent)
        ]
        return _ask_after_deliveries(sampled, now=now)

    return scan_from_mark(SIGNED_MARK, signed, handle, now=now)


def _ask_after_deliveries(shipment_ids: list[int], *, now: datetime) -> int:
    if not shipment_ids:
        return 0
    month = month_of(now)
    asked = Survey.objects.filter(customer=OuterRef("customer"), month=month)
    # A shipment read again within the overlap already has its survey (of an
    # earlier month, perhaps): it must not stand in for a newer one.
    surveyed = Survey.objects.filter(shipment=OuterRef("pk"))
    shipments = (
        Shipment.objects.filter(pk__in=shipment_ids, customer__care_opt_out=False)
        .exclude(Exists(asked))
        .exclude(Exists(surveyed))
        .select_related("customer")
        .order_by("pk")
    )
    first: dict[int, Shipment] = {}
    for shipment in shipments:
        first.setdefault(shipment.customer_id, shipment)
    rows = [
        (
            _new(s.customer, SurveyReason.DELIVERY, month, now, shipment_id=s.pk),
            s.customer,
            {"waybill": s.waybill},
        )
        for s in first.values()
    ]
    return _write_and_send(rows, AFTER_DELIVERY, now=now)


def surveys_after_remedies(*, now: datetime) -> int:
    """Survey each problem remedied within ``FRESH`` that has no survey yet.

    The remedy is what the survey measures, so a problem's survey is not
    sampled and not held back by a delivery survey earlier in the month (it
    counts as the month's survey, so no delivery survey follows it).
    """
    month = month_of(now)
    problems = (
        Problem.objects.filter(
            stage__in=[ProblemStage.REMEDIED, ProblemStage.CLOSED],
            remedied_at__gte=now - FRESH,
            remedied_at__lte=now,
            customer__care_opt_out=False,
        )
        .exclude(Exists(Survey.objects.filter(problem=OuterRef("pk"))))
        .select_related("customer")
        .order_by("remedied_at", "pk")
    )
    rows: list[tuple[NewSurvey, Customer, dict]] = [
        (
            _new(p.customer, SurveyReason.PROBLEM, month, now, problem_id=p.pk),
            p.customer,
            {},
        )
        for p in problems[:BATCH]
    ]
    return _write_and_send(rows, AFTER_PROBLEM, now=now)


def _new(
    customer: Customer,
    reason: str,
    month: date,
    now: datetime,
    *,
    shipment_id: int | None = None,
    problem_id: int | None = None,
) -> NewSurvey:
    return NewSurvey(
        outlet_id=customer.outlet_id,
        customer_id=customer.pk,
        reason=reason,
        shipment_id=shipment_id,
        problem_id=problem_id,
        month=month,
        token=secrets.token_urlsafe(32),
        sent_at=now,
        expires_at=now + timedelta(days=settings.SURVEY_LINK_DAYS),
    )


def _write_and_send(
    rows: list[tuple[NewSurvey, Customer, dict]], template: str, *, now: datetime
) -> int:
    """Insert (rows a constraint already holds are skipped), message the new ones.

    One statement each: the surveys' INSERT … ON CONFLICT DO NOTHING RETURNING,
    then the outbox rows of those it created, in the same transaction.
    """
    if not rows:
        return 0
    by_customer = {row.customer_id: (customer, extra) for row, customer, extra in rows}
    with transaction.atomic():
        created = insert_new(
            Survey,
            NewSurvey._fields,
            [row for row, _customer, _extra in rows],
            ["id", "customer", "token"],
        )
        render = renderer(template)
        messages = []
        for pk, customer_id, token in created:
            customer, extra = by_customer[customer_id]
            texts = render(
                {"customer": str(customer), "link": survey_url(token), **extra}
            )
            messages.append(ToCustomer(customer, template, texts, f"survey:{pk}"))
        to_customers(messages, now=now)
    return len(created)


# --- Answering -------------------------------------------------------------------

SCORE_MESSAGE = _("Choose a score from 0 to 10.")


def checked_score(value) -> int:
    """A whole number 0 to 10, given as a number or as its digits."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(SCORE_MESSAGE, fields={"score": [SCORE_MESSAGE]})
    if not MIN_SCORE <= value <= MAX_SCORE:
        raise DomainError(SCORE_MESSAGE, fields={"score": [SCORE_MESSAGE]})
    return value


def checked_comment(value: str | None) -> str:
    # PostgreSQL stores no NUL character; nobody types one.
    text = (value or "").replace("\x00", "").strip()
    if len(text) > COMMENT_LENGTH:
        message = _(
            "Keep the comment to %(limit)s characters at most (it has %(length)s)."
        ) % {"limit": COMMENT_LENGTH, "length": len(text)}
        raise DomainError(message, fields={"comment": [message]})
    return text


@transaction.atomic
def survey_answer(
    *, survey: Survey, score, comment: str = "", language: str = "", now: datetime
) -> Survey:
    """Record the customer's answer; a detractor's raises a call within 24 hours.

    1. The score (0 to 10) and the comment are checked before anything is written.
    2. Compare-and-set from unanswered: of two answers (a double tap, two tabs),
       exactly one is kept; the other is refused and the first stands.
    3. A detractor (0 to 6) raises a DETRACTOR_CALL follow-up for the account
       manager (else an outlet manager), due 24 hours after the answer.
    """
    score, comment = checked_score(score), checked_comment(comment)
    if survey.expires_at <= now:
        raise StateConflict(_("This survey link has expired."))
    answered = Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        score=score, comment=comment, answered_at=now, language=language[:10]
    )
    if not answered:
        raise StateConflict(
            _(
                "You have already answered this survey. Thank you: your first "
                "answer stands."
            )
        )
    survey.refresh_from_db()
    if nps_group(score) == NpsGroup.DETRACTOR:
        survey.follow_up = _detractor_call(survey, now=now)
        survey.save(update_fields=["follow_up"])
    return survey


def _detractor_call(survey: Survey, *, now: datetime):
    with translation.override(settings.LANGUAGE_CODE):
        note = _g(
            "Scored %(score)s of 10 (%(reason)s). Call within 24 hours: listen, "
            "apologise and agree what we put right."
        ) % {"score": survey.score, "reason": survey.get_reason_display()}
        if survey.comment:
            note += " " + _g("Their words: %(comment)s") % {"comment": survey.comment}
    return follow_up_create(
        by=None,
        customer=survey.customer,
        kind=FollowUpKind.DETRACTOR_CALL,
        channel=FollowUpChannel.PHONE,
        due_at=now + DETRACTOR_CALL_WITHIN,
        note=note,
        source_key=f"detractor:{survey.pk}",
        now=now,
    )
