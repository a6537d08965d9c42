"""The 1530 rule: respond in 10 minutes, a first solution in 50, the remedy in 3 h.

Reporting a problem starts all three clocks at once (each counts from the
report); every stage meets its own clock and none can be skipped. A delay
reported on a shipment is a problem too, and the customer hears of it at once.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clocks import outbox
from clocks.models import ClockKind, SubjectType
from clocks.services import (
    clock_for,
    clock_meet,
    clock_pause,
    clock_resume,
    clock_start,
)
from clocks.texts import render
from customers.models import Customer
from lib.links import find_link
from outlets.errors import DomainError, StateConflict
from outlets.models import Role, Staff

from ..models import (
    Liability,
    Problem,
    ProblemKind,
    ProblemStage,
    RemedyKind,
    Shipment,
    ShipmentStatus,
)
from ..plausible import check_plausible

STAGE_CLOCKS = (
    ClockKind.PROBLEM_RESPONSE,
    ClockKind.PROBLEM_SOLUTION,
    ClockKind.PROBLEM_REMEDY,
)


def _owner_for(customer: Customer) -> Staff | None:
    if customer.account_manager_id:
        return customer.account_manager
    return (
        Staff.objects.filter(
            outlet=customer.outlet_id, is_active=True, role=Role.OUTLET_MANAGER
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def problem_report(
    *,
    customer: Customer,
    kind: str,
    description: str,
    reported_by: Staff | None,
    now: datetime,
    shipment: Shipment | None = None,
) -> Problem:
    if kind not in ProblemKind.values:
        raise DomainError(
            _("Unknown problem kind."),
            fields={"kind": [_("Choose delay, damage, loss, complaint or other.")]},
        )
    description = _required(description, "description", _("Describe the problem."))
    check_plausible(Problem, {"description": description})
    if shipment is not None and shipment.customer_id != customer.pk:
        raise DomainError(
            _("The shipment belongs to another customer."),
            fields={"shipment": [_("Not this customer's shipment.")]},
        )
    owner = _owner_for(customer)
    problem = Problem.objects.create(
        outlet_id=customer.outlet_id,
        customer=customer,
        shipment=shipment,
        kind=kind,
        description=description,
        reported_by=reported_by,
        owner=owner,
        reported_at=now,
    )
    for clock_kind in STAGE_CLOCKS:
        clock_start(
            kind=clock_kind,
            subject_type=SubjectType.PROBLEM,
            subject_id=problem.pk,
            customer=customer,
            responsible=owner,
            now=now,
        )
    return problem


def _advance(problem: Problem, *, expected: str, to: str) -> Problem:
    """Lock the problem and move it one stage on, or refuse with nothing changed."""
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("customer", "shipment")
        .get(pk=problem.pk)
    )
    if problem.stage != expected:
        raise StateConflict(
            _("This problem is at “%(stage)s”; this step needs “%(expected)s”.")
            % {
                "stage": problem.get_stage_display(),
                "expected": ProblemStage(expected).label,
            },
            fields={"stage": [problem.get_stage_display()]},
        )
    if problem.paused_at is not None:
        raise StateConflict(
            _("Resume the problem before acting on it."),
            fields={"stage": [_("Paused.")]},
        )
    problem.stage = to
    return problem


def _meet(problem: Problem, kind: str, now: datetime) -> None:
    clock = clock_for(SubjectType.PROBLEM, problem.pk, kind)
    if clock:
        clock_meet(clock=clock, now=now)


def _no_links(value: str, field: str) -> str:
    """Free text that goes to a customer carries no link: a message from the
    outlet must never be a way to send the customer somewhere else."""
    if link := find_link(value):
        raise DomainError(
            _("Messages to customers may not contain links."),
            fields={field: [_("Remove the link “%(link)s”.") % {"link": link}]},
        )
    return value


def _required(value: str | None, field: str, message=None) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(
            message or _("This step needs a note of what was done."),
            fields={field: [_("Required.")]},
        )
    return text


def _responded(problem: Problem, note: str, now: datetime, **also) -> Problem:
    """Move a reported problem to "responded", what was said as the evidence.

    ``also`` names further fields the same step sets (a delay's plan).
    """
    problem = _advance(
        problem, expected=ProblemStage.REPORTED, to=ProblemStage.RESPONDED
    )
    problem.responded_at, problem.response_note = now, note
    for name, value in also.items():
        setattr(problem, name, value)
    problem.save(update_fields=["stage", "responded_at", "response_note", *also])
    return problem


@transaction.atomic
def problem_respond(*, problem: Problem, note: str, now: datetime) -> Problem:
    """Someone answered the customer: what was said is the evidence."""
    note = _no_links(_required(note, "note"), "note")
    problem = _responded(problem, note, now)
    _meet(problem, ClockKind.PROBLEM_RESPONSE, now)
    texts = render(
        "problem_response",
        {"customer": problem.customer, "waybill": _waybill(problem), "note": note},
    )
    outbox.to_customer(
        customer=problem.customer,
        template="problem_response",
        texts=texts,
        key=f"problem:{problem.pk}:responded",
        now=now,
    )
    return problem


@transaction.atomic
def problem_offer_solution(
    *, problem: Problem, note: str, now: datetime, handling_plan: str | None = None
) -> Problem:
    """A first solution was offered; the handling plan is what the customer sees."""
    note = _required(note, "note")
    problem = _advance(
        problem, expected=ProblemStage.RESPONDED, to=ProblemStage.SOLUTION_OFFERED
    )
    problem.solution_offered_at, problem.solution_note = now, note
    fields = ["stage", "solution_offered_at", "solution_note"]
    if plan := (handling_plan or "").strip():
        # The plan shows on the customer's progress board.
        problem.handling_plan = _no_links(plan, "handling_plan")
        fields.append("handling_plan")
    problem.save(update_fields=fields)
    _meet(problem, ClockKind.PROBLEM_SOLUTION, now)
    return problem


@transaction.atomic
def problem_remedy(
    *, problem: Problem, remedy_kind: str, note: str, now: datetime
) -> Problem:
    if remedy_kind not in RemedyKind.values:
        raise DomainError(
            _("Unknown remedy."),
            fields={"remedy_kind": [_("Choose re-shipment, claim, refund or other.")]},
        )
    note = _required(note, "note")
    problem = _advance(
        problem, expected=ProblemStage.SOLUTION_OFFERED, to=ProblemStage.REMEDIED
    )
    problem.remedied_at, problem.remedy_kind, problem.remedy_note = (
        now,
        remedy_kind,
        note,
    )
    problem.save(update_fields=["stage", "remedied_at", "remedy_kind", "remedy_note"])
    _meet(problem, ClockKind.PROBLEM_REMEDY, now)
    return problem


@transaction.atomic
def problem_close(
    *, problem: Problem, liability: str, compensation: Decimal, now: datetime
) -> Problem:
    if liability not in Liability.values:
        raise DomainError(
            _("Record who is liable."),
            fields={"liability": [_("Choose who is liable.")]},
        )
    if compensation is None or compensation < 0:
        raise DomainError(
            _("Compensation cannot be negative."),
            fields={"compensation": [_("Must be zero or more.")]},
        )
    check_plausible(Problem, {"compensation": compensation})
    problem = _advance(problem, expected=ProblemStage.REMEDIED, to=ProblemStage.CLOSED)
    problem.closed_at, problem.liability, problem.compensation = (
        now,
        liability,
        compensation,
    )
    problem.save(update_fields=["stage", "closed_at", "liability", "compensation"])
    return problem


@transaction.atomic
def problem_pause(*, problem: Problem, now: datetime) -> Problem:
    """Waiting on the customer: the open stage clocks stop counting."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if problem.paused_at or problem.stage == ProblemStage.CLOSED:
        raise StateConflict(
            _("This problem cannot be paused now."),
            fields={"stage": [problem.get_stage_display()]},
        )
    problem.paused_at = now
    problem.save(update_fields=["paused_at"])
    for kind in STAGE_CLOCKS:
        clock = clock_for(SubjectType.PROBLEM, problem.pk, kind)
        if clock:
            clock_pause(clock=clock, now=now)
    return problem


@transaction.atomic
def problem_resume(*, problem: Problem, now: datetime) -> Problem:
    """The customer answered: the clocks go on with the time they had left."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if problem.paused_at is None:
        raise StateConflict(
            _("This problem is not paused."),
            fields={"stage": [problem.get_stage_display()]},
        )
    problem.paused_at = None
    problem.save(update_fields=["paused_at"])
    for kind in STAGE_CLOCKS:
        clock = clock_for(SubjectType.PROBLEM, problem.pk, kind)
        if clock:
            clock_resume(clock=clock, now=now)
    return problem


@transaction.atomic
def shipment_report_delay(
    *,
    shipment: Shipment,
    reason: str,
    new_expected_at: datetime | None,
    plan: str,
    reported_by: Staff | None,
    now: datetime,
) -> Problem:
    """Tell the customer of a delay at once: why, the new expected time, the plan.

    1. Open a delay problem (its three clocks start) carrying the plan and the
       new expected time, and move the shipment's expected arrival.
    2. Write the delay notice to the outbox in this transaction.
    3. The notice is the response to the customer, so the problem moves to
       "responded" with the notice as evidence; its response clock is met when
       the channel confirms the send, like a milestone push.
    """
    reason = _required(reason, "reason", _("Say why the shipment is late."))
    plan = _required(plan, "plan", _("Say what is being done about it."))
    reason, plan = _no_links(reason, "reason"), _no_links(plan, "plan")
    if new_expected_at is None or new_expected_at <= now:
        raise DomainError(
            _("Give the new expected time, later than now."),
            fields={"new_expected_at": [_("Must be in the future.")]},
        )
    check_plausible(
        Problem,
        {"new_expected_at": new_expected_at, "handling_plan": plan},
        names={"handling_plan": "plan"},
    )
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=shipment.pk)
    )
    if shipment.status == ShipmentStatus.SIGNED:
        raise StateConflict(
            _("This shipment is already signed for."),
            fields={"shipment": [shipment.get_status_display()]},
        )
    problem = problem_report(
        customer=shipment.customer,
        shipment=shipment,
        kind=ProblemKind.DELAY,
        description=reason,
        reported_by=reported_by,
        now=now,
    )
    shipment.expected_arrival = new_expected_at
    shipment.save(update_fields=["expected_arrival"])
    texts = _delay_notice(shipment, reason, new_expected_at, plan)
    outbox.to_customer(
        customer=shipment.customer,
        template="delay_notice",
        texts=texts,
        key=f"problem:{problem.pk}:delay_notice",
        now=now,
        clock=clock_for(SubjectType.PROBLEM, problem.pk, ClockKind.PROBLEM_RESPONSE),
    )
    return _responded(
        problem,
        texts[shipment.customer.language],
        now,
        handling_plan=plan,
        new_expected_at=new_expected_at,
    )


def _delay_notice(
    shipment: Shipment, reason: str, expected: datetime, plan: str
) -> dict[str, str]:
    return render(
        "delay_notice",
        {
            "customer": shipment.customer,
            "waybill": shipment.waybill,
            "reason": reason,
            "expected": f"{timezone.localtime(expected):%Y-%m-%d %H:%M}",
            "plan": plan,
        },
    )


def _waybill(problem: Problem) -> str:
    return problem.shipment.waybill if problem.shipment is not None else "-"
