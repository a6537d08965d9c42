"""Churn (客户流失): the rule that counts a customer as lost, and the nightly
scan for the signals that one may leave (流失预警).

The rule (README, "Churn"): a customer **churns in the month in which their
last shipment turns 60 days old**, having shipped in the three calendar months
before that month. The month's churn rate is those customers divided by every
customer who shipped in those three months (the base); a year's rate is
``1 - (1 - monthly) ** 12``. Each silence is counted once, in one month, and a
customer who comes back and falls silent again can churn again.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.tenure import add_months
from lib.inserts import insert_new
from shipments.models import Problem, ProblemKind, ProblemStage, Shipment

from ..care_plans.due import DueCalendar
from ..models import FollowUp, FollowUpChannel, FollowUpKind, FollowUpState
from ..services import NewFollowUp, default_owner_ids, follow_ups_create
from ..surveys.models import DETRACTOR_AT_MOST
from .models import ChurnReason, ChurnRisk
from .months import bounds
from .sources import survey_answers

CHURNED_AFTER = timedelta(days=60)
BASE_MONTHS = 3
# The volume signal compares the last 30 days with the 90 before them.
RECENT = timedelta(days=30)
USUAL = timedelta(days=90)
# "Active" before a silence: shipped in the 90 days before it began.
ACTIVE = timedelta(days=90)
# Calls already owed to the customer that a retention call would only repeat.
_CALLS = (FollowUpKind.RETENTION_CALL, FollowUpKind.DETRACTOR_CALL)
_CHUNK = 5_000


# --- The churn rule ----------------------------------------------------------------


def churn_rows(month: date, *, now: datetime) -> QuerySet:
    """One row per customer of the month's base: ``whole`` 1, ``part`` 1 if
    they churned in the month (so far, for the month in progress).

    One GROUP BY over the shipments of the base quarter and the month.
    """
    start, end = bounds(month)
    end = min(end, now)
    base_from = bounds(add_months(month, -BASE_MONTHS))[0]
    churned = When(
        last_at__gte=start - CHURNED_AFTER, last_at__lt=end - CHURNED_AFTER, then=1
    )
    return (
        Shipment.objects.filter(created_at__gte=base_from, created_at__lt=end)
        .order_by()
        .values("customer_id")
        .annotate(first_at=Min("created_at"), last_at=Max("created_at"))
        .filter(first_at__lt=start)
        .annotate(part=Case(churned, default=0), other=Value(0), whole=Value(1))
    )


def annualised(monthly: Decimal) -> Decimal:
    """The yearly rate a monthly rate comes to if every month were like it."""
    return 1 - (1 - monthly) ** 12


# --- The signals ---------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    customer_id: int
    outlet_id: int
    reason: str
    recent_volume: int | None = None
    usual_volume: Decimal | None = None
    last_shipment_at: datetime | None = None
    problem_id: int | None = None
    score: int | None = None


def churn_signals(*, now: datetime) -> list[Signal]:
    """Every customer showing a sign of leaving tonight, with the reason.

    Three GROUP BY queries: shipments (volume drop and silence), open
    complaints, and detractor answers.
    """
    return [
        *_volume_signals(now),
        *_complaint_signals(),
        *_detractor_signals(now),
    ]


def _volume_signals(now: datetime) -> list[Signal]:
    """1. Silent: nothing for CHURN_SILENT_DAYS, having shipped in the 90 days
    before. 2. Volume drop: the last 30 days under half of the monthly average
    of the 90 days before (an average of at least CHURN_DROP_MIN_MONTHLY: under
    that, half is a parcel or two, and a quiet sender shows as silent)."""
    silent = timedelta(days=settings.CHURN_SILENT_DAYS)
    recent_from, usual_from = now - RECENT, now - RECENT - USUAL
    active_from = now - silent - ACTIVE
    least = 3 * settings.CHURN_DROP_MIN_MONTHLY
    rows = (
        Shipment.objects.filter(
            created_at__gte=min(usual_from, active_from), created_at__lt=now
        )
        .order_by()
        # By customer alone: adding the outlet (a join before the GROUP BY)
        # made the aggregate several times slower; the outlets of the few
        # customers found are read after.
        .values("customer_id")
        .annotate(
            # Counting an indexed column lets PostgreSQL read the (customer,
            # created_at) index alone, in customer order: no sort, no heap.
            recent=Count("created_at", filter=Q(created_at__gte=recent_from)),
            usual=Count(
                "created_at",
                filter=Q(created_at__gte=usual_from, created_at__lt=recent_from),
            ),
            last_at=Max("created_at"),
        )
        .filter(
            Q(last_at__lt=now - silent, last_at__gte=active_from)
            | Q(usual__gte=least, usual__gt=6 * F("recent"))
        )
    )
    found = list(rows)
    outlets = _outlets_of([row["customer_id"] for row in found])
    return [_volume_signal(row, outlets, now - silent) for row in found]


def _outlets_of(customer_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for first in range(0, len(customer_ids), _CHUNK):
        chunk = customer_ids[first : first + _CHUNK]
        found.update(
            Customer.objects.filter(pk__in=chunk).values_list("pk", "outlet_id")
        )
    return found


def _volume_signal(row: dict, outlets: dict, silent_since: datetime) -> Signal:
    silent = row["last_at"] < silent_since
    return Signal(
        customer_id=row["customer_id"],
        outlet_id=outlets[row["customer_id"]],
        # A silent customer has dropped too: one reason says it.
        reason=ChurnReason.SILENT if silent else ChurnReason.VOLUME_DROP,
        recent_volume=row["recent"],
        usual_volume=(Decimal(row["usual"]) / 3).quantize(Decimal("0.1")),
        last_shipment_at=row["last_at"],
    )


def _complaint_signals() -> list[Signal]:
    rows = (
        Problem.objects.filter(kind=ProblemKind.COMPLAINT)
        .exclude(stage=ProblemStage.CLOSED)
        .order_by()
        .values("customer_id", "customer__outlet_id")
        .annotate(first=Min("pk"))
    )
    return [
        Signal(
            row["customer_id"],
            row["customer__outlet_id"],
            ChurnReason.OPEN_COMPLAINT,
            problem_id=row["first"],
        )
        for row in rows
    ]


def _detractor_signals(now: datetime) -> list[Signal]:
    since = now - timedelta(days=settings.CHURN_DETRACTOR_DAYS)
    rows = (
        survey_answers(since, now)
        .filter(score__lte=DETRACTOR_AT_MOST)
        .order_by()
        .values("customer_id", "customer__outlet_id")
        .annotate(lowest=Min("score"))
    )
    return [
        Signal(
            row["customer_id"],
            row["customer__outlet_id"],
            ChurnReason.DETRACTOR,
            score=row["lowest"],
        )
        for row in rows
    ]


# --- The nightly scan ---------------------------------------------------------------


@dataclass(frozen=True)
class ChurnScan:
    raised: int
    still: int
    cleared: int
    calls: int


_RISK_FIELDS = [
    "outlet",
    "customer",
    "reason",
    "recent_volume",
    "usual_volume",
    "last_shipment_at",
    "problem",
    "score",
    "raised_at",
    "seen_at",
]


@transaction.atomic
def churn_scan(*, now: datetime) -> ChurnScan:
    """Tonight's risks against the open ones.

    1. A risk seen again keeps its row (``seen_at`` moves): it is not new.
    2. A signal without an open risk is a new risk (``INSERT … ON CONFLICT DO
       NOTHING`` on the one-open-risk-per-reason constraint: two scans at once
       insert it once).
    3. An open risk not seen tonight is cleared.
    4. The customers of the new risks get a retention call (below).
    """
    signals = churn_signals(now=now)
    still_open = ChurnRisk.objects.filter(cleared_at__isnull=True)
    open_risks = {
        (customer, reason): pk
        for pk, customer, reason in still_open.values_list(
            "pk", "customer_id", "reason"
        )
    }
    kept = [
        open_risks[s.customer_id, s.reason] for s in signals if _key(s) in open_risks
    ]
    for first in range(0, len(kept), _CHUNK):
        ChurnRisk.objects.filter(pk__in=kept[first : first + _CHUNK]).update(
            seen_at=now
        )
    new = [_risk_row(s, now) for s in signals if _key(s) not in open_risks]
    created = insert_new(ChurnRisk, _RISK_FIELDS, new, ["id", "customer", "reason"])
    cleared = ChurnRisk.objects.filter(cleared_at__isnull=True, seen_at__lt=now).update(
        cleared_at=now
    )
    calls = retention_calls(created, now=now)
    return ChurnScan(len(created), len(kept), cleared, calls)


def _key(signal: Signal) -> tuple[int, str]:
    return signal.customer_id, signal.reason


def _risk_row(s: Signal, now: datetime) -> tuple:
    return (
        *(s.outlet_id, s.customer_id, s.reason, s.recent_volume, s.usual_volume),
        *(s.last_shipment_at, s.problem_id, s.score, now, now),
    )


def retention_calls(created: list[tuple], *, now: datetime) -> int:
    """One retention call per customer with new risks, naming every new
    reason, for the account manager (else the outlet manager), due the outlet's
    next open morning.

    1. Keyed ``churn:<lowest new risk id>``: the same risks never raise two.
    2. A customer who already has an open retention or detractor call gets no
       second one: that call covers the new reason too.
    """
    reasons: dict[int, list[str]] = {}
    first: dict[int, int] = {}
    for pk, customer_id, reason in sorted(created):
        reasons.setdefault(customer_id, []).append(reason)
        first.setdefault(customer_id, pk)
    owed = set(
        FollowUp.objects.filter(
            customer__in=list(reasons), kind__in=_CALLS, state=FollowUpState.OPEN
        ).values_list("customer_id", flat=True)
    )
    customers = list(
        Customer.objects.filter(pk__in=set(reasons) - owed).only(
            "pk", "outlet_id", "account_manager_id"
        )
    )
    if not customers:
        return 0
    return len(follow_ups_create(rows=_calls(customers, reasons, first, now), now=now))


def _calls(customers, reasons, first, now: datetime) -> list[NewFollowUp]:
    owners = default_owner_ids(customers)
    calendar = DueCalendar({c.outlet_id for c in customers})
    today = timezone.localdate(now)
    with translation.override(settings.LANGUAGE_CODE):
        labels = {reason: str(label) for reason, label in ChurnReason.choices}
        intro = _(
            "Signs this customer may leave: %(reasons)s. Call, ask and keep them."
        )
        return [
            NewFollowUp(
                customer_id=c.pk,
                outlet_id=c.outlet_id,
                owner_id=owners[c.pk],
                kind=FollowUpKind.RETENTION_CALL,
                channel=FollowUpChannel.PHONE,
                due_at=calendar.due(c.outlet_id, today, now=now),
                source_key=f"churn:{first[c.pk]}",
                note=intro % {"reasons": "; ".join(labels[r] for r in reasons[c.pk])},
            )
            for c in customers
        ]
