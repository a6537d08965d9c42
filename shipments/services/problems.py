"""The 1530 rule: respond in 10 minutes, a first solution in 50, the remedy in 3 h.

Reporting a problem starts all three clocks at once (each counts from the
report); every stage meets its own clock and none can be skipped.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from followups import outbox
from followups.clocks import clock_for, clock_meet, clock_pause, clock_resume
from followups.clocks import clock_start
from followups.models import ClockKind, SubjectType
from followups.texts import render
from outlets.errors import DomainError, StateConflict
from outlets.models import Role, Staff

from ..models import Liability, Problem, ProblemKind, ProblemStage, RemedyKind
from ..models import Shipment

STAGE_CLOCKS = (
    ClockKind.PROBLEM_RESPONSE, ClockKind.PROBLEM_SOLUTION, ClockKind.PROBLEM_REMEDY
)


def _owner_for(customer: Customer) -> Staff | None:
    if customer.account_manager_id:
        return customer.account_manager
    return Staff.objects.filter(outlet=customer.outlet_id, is_active=True,
                                role=Role.OUTLET_MANAGER).order_by("pk").first()


@transaction.atomic
def problem_report(
    *, customer: Customer, kind: str, description: str, reported_by: Staff | None,
    now: datetime, shipment: Shipment | None = None,
) -> Problem:
    if kind not in ProblemKind.values:
        raise DomainError(_("Unknown problem kind."),
                          fields={"kind": [_("Choose delay, damage, loss, complaint "
                                             "or other.")]})
    if not description.strip():
        raise DomainError(_("Describe the problem."),
                          fields={"description": [_("Required.")]})
    if shipment is not None and shipment.customer_id != customer.pk:
        raise DomainError(_("The shipment belongs to another customer."),
                          fields={"shipment": [_("Not this customer's shipment.")]})
    owner = _owner_for(customer)
    problem = Problem.objects.create(
        outlet_id=customer.outlet_id, customer=customer, shipment=shipment,
        kind=kind, description=description.strip(), reported_by=reported_by,
        owner=owner, reported_at=now,
    )
    for kind_ in STAGE_CLOCKS:
        clock_start(kind=kind_, subject_type=SubjectType.PROBLEM,
                    subject_id=problem.pk, customer=customer, responsible=owner,
                    now=now)
    return problem


def _advance(problem: Problem, *, expected: str, to: str) -> Problem:
    problem = Problem.objects.select_for_update().select_related("customer").get(
        pk=problem.pk)
    if problem.stage != expected:
        raise StateConflict(
            _("This problem is at “%(stage)s”; the next step needs “%(expected)s”.")
            % {"stage": problem.get_stage_display(),
               "expected": ProblemStage(expected).label},
            fields={"stage": [problem.get_stage_display()]},
        )
    if problem.paused_at is not None:
        raise StateConflict(_("Resume the problem before acting on it."),
                            fields={"stage": [_("Paused.")]})
    problem.stage = to
    return problem


def _meet(problem: Problem, kind: str, now: datetime) -> None:
    clock_meet(clock=clock_for(SubjectType.PROBLEM, problem.pk, kind), now=now)


def _required(value: str, field: str) -> str:
    if not (value or "").strip():
        raise DomainError(_("This step needs a note of what was done."),
                          fields={field: [_("Required.")]})
    return value.strip()


@transaction.atomic
def problem_respond(*, problem: Problem, note: str, now: datetime) -> Problem:
    """Someone answered the customer: what was said is the evidence."""
    note = _required(note, "note")
    problem = _advance(problem, expected=ProblemStage.REPORTED,
                       to=ProblemStage.RESPONDED)
    problem.responded_at, problem.response_note = now, note
    problem.save(update_fields=["stage", "responded_at", "response_note"])
    _meet(problem, ClockKind.PROBLEM_RESPONSE, now)
    texts = render("problem_response", {
        "customer": problem.customer,
        "waybill": problem.shipment.waybill if problem.shipment_id else "-",
        "note": note,
    })
    outbox.to_customer(customer=problem.customer, template="problem_response",
                       texts=texts, key=f"problem:{problem.pk}:responded", now=now)
    return problem


@transaction.atomic
def problem_offer_solution(*, problem: Problem, note: str, now: datetime) -> Problem:
    note = _required(note, "note")
    problem = _advance(problem, expected=ProblemStage.RESPONDED,
                       to=ProblemStage.SOLUTION_OFFERED)
    problem.solution_offered_at, problem.solution_note = now, note
    problem.save(update_fields=["stage", "solution_offered_at", "solution_note"])
    _meet(problem, ClockKind.PROBLEM_SOLUTION, now)
    return problem


@transaction.atomic
def problem_remedy(
    *, problem: Problem, remedy_kind: str, note: str, now: datetime
) -> Problem:
    if remedy_kind not in RemedyKind.values:
        raise DomainError(_("Unknown remedy."),
                          fields={"remedy_kind": [_("Choose re-shipment, claim, "
                                                    "refund or other.")]})
    note = _required(note, "note")
    problem = _advance(problem, expected=ProblemStage.SOLUTION_OFFERED,
                       to=ProblemStage.REMEDIED)
    problem.remedied_at, problem.remedy_kind, problem.remedy_note = (
        now, remedy_kind, note)
    problem.save(update_fields=["stage", "remedied_at", "remedy_kind", "remedy_note"])
    _meet(problem, ClockKind.PROBLEM_REMEDY, now)
    return problem


@transaction.atomic
def problem_close(
    *, problem: Problem, liability: str, compensation: Decimal, now: datetime
) -> Problem:
    if liability not in Liability.values:
        raise DomainError(_("Record who is liable."),
                          fields={"liability": [_("Choose who is liable.")]})
    if compensation is None or compensation < 0:
        raise DomainError(_("Compensation cannot be negative."),
                          fields={"compensation": [_("Must be zero or more.")]})
    problem = _advance(problem, expected=ProblemStage.REMEDIED,
                       to=ProblemStage.CLOSED)
    problem.closed_at, problem.liability, problem.compensation = (
        now, liability, compensation)
    problem.save(update_fields=["stage", "closed_at", "liability", "compensation"])
    return problem


@transaction.atomic
def problem_pause(*, problem: Problem, now: datetime) -> Problem:
    """Waiting on the customer: the open stage clocks stop counting."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if problem.paused_at or problem.stage == ProblemStage.CLOSED:
        raise StateConflict(_("This problem cannot be paused now."),
                            fields={"stage": [problem.get_stage_display()]})
    problem.paused_at = now
    problem.save(update_fields=["paused_at"])
    for kind in STAGE_CLOCKS:
        clock = clock_for(SubjectType.PROBLEM, problem.pk, kind)
        if clock:
            clock_pause(clock=clock, now=now)
    return problem


@transaction.atomic
def problem_resume(*, problem: Problem, now: datetime) -> Problem:
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if problem.paused_at is None:
        raise StateConflict(_("This problem is not paused."),
                            fields={"stage": [problem.get_stage_display()]})
    problem.paused_at = None
    problem.save(update_fields=["paused_at"])
    for kind in STAGE_CLOCKS:
        clock = clock_for(SubjectType.PROBLEM, problem.pk, kind)
        if clock:
            clock_resume(clock=clock, now=now)
    return problem
