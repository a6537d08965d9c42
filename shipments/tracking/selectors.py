"""What a customer's progress board (物流进度看板) shows, in a fixed number of queries.

A key customer sends a thousand parcels a month or more, so the board cannot be
one card per shipment: it answers "where are my parcels now?" first.

1. Moving: shipments in transit (picked up, at a sorting center, out for
   delivery) or with an open problem (a delay, damage, ...), newest first, as
   cards with their milestones and our handling plan; at most ``MOVING_SHOWN``.
2. Waiting for pickup: entered but not picked up yet; at most ``WAITING_SHOWN``.
3. Signed in the last ``SIGNED_DAYS`` days: a short list, at most
   ``SIGNED_SHOWN``, newest signature first.
Each part carries its full count, so the page can say how many it left out.

A shipment's state is the furthest milestone it has passed. Rows written
without milestones (imported history) fall back to their status column, so a
signed parcel never reads "not picked up"; that is said only of a shipment with
no pickup scan and no later status.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

from ..models import Milestone, MilestoneKind, Problem, ProblemStage, Shipment
from ..models import ShipmentStatus as Status

MOVING_SHOWN = 30
WAITING_SHOWN = 10
SIGNED_SHOWN = 20
SIGNED_DAYS = 7
# Signed parcels older than this are history, not progress.
RECENT = timedelta(days=30)

# The statuses in the order a parcel passes them; a milestone kind is named
# like the status it leads to.
PASSAGE = [
    Status.CREATED,
    Status.PICKED_UP,
    Status.AT_SORTING_CENTER,
    Status.OUT_FOR_DELIVERY,
    Status.SIGNED,
]
WAITING, SIGNED = 0, PASSAGE.index(Status.SIGNED)
IN_TRANSIT = list(range(WAITING + 1, SIGNED))
LABELS = {Status.CREATED: _("Waiting for pickup")}
_MOVING = Q(has_problem=True) | Q(stage__in=IN_TRANSIT)
_WAITING = Q(has_problem=False, stage=WAITING)


@dataclass(frozen=True)
class Part:
    shipments: list[Shipment]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.shipments)


@dataclass(frozen=True)
class ProgressBoard:
    moving: Part
    waiting: Part
    signed: Part
    signed_days: int = SIGNED_DAYS

    @property
    def empty(self) -> bool:
        return not (self.moving.total or self.waiting.total or self.signed.total)


def progress_board(customer: Customer, *, now: datetime) -> ProgressBoard:
    """The customer's board as of ``now``: three bounded parts and their counts."""
    shipments = _annotated(customer, now)
    parts = {"moving": _MOVING, "waiting": _WAITING, "signed": _signed_since(now)}
    totals = shipments.aggregate(
        **{name: Count("pk", filter=where) for name, where in parts.items()}
    )
    return ProgressBoard(
        moving=Part(_moving(shipments), totals["moving"]),
        waiting=Part(
            _listed(shipments.filter(_WAITING), WAITING_SHOWN), totals["waiting"]
        ),
        signed=Part(_signed(shipments, now), totals["signed"]),
    )


def _rank(field: str) -> Case:
    whens = [When(**{field: state}, then=Value(i)) for i, state in enumerate(PASSAGE)]
    return Case(*whens, default=Value(WAITING), output_field=IntegerField())


def _annotated(customer: Customer, now: datetime) -> QuerySet[Shipment]:
    """The customer's shipments the board may show, with ``stage`` (index in
    ``PASSAGE``), ``has_problem`` and ``signed_at`` (``None`` if never scanned)."""
    milestones = Milestone.objects.filter(shipment=OuterRef("pk"))
    furthest = milestones.annotate(rank=_rank("kind")).order_by("-rank")
    signature = milestones.filter(kind=MilestoneKind.SIGNED).values("occurred_at")
    open_problems = Problem.objects.exclude(stage=ProblemStage.CLOSED)
    return (
        Shipment.objects.filter(customer=customer)
        .filter(
            Q(created_at__gte=now - RECENT)
            | ~Q(status=Status.SIGNED)
            | Q(pk__in=open_problems.values("shipment_id"))
        )
        .annotate(
            stage=Greatest(
                Coalesce(Subquery(furthest.values("rank")[:1]), Value(WAITING)),
                _rank("status"),
            ),
            has_problem=Exists(open_problems.filter(shipment=OuterRef("pk"))),
            signed_at=Subquery(signature[:1]),
        )
    )


def _signed_since(now: datetime) -> Q:
    since = now - timedelta(days=SIGNED_DAYS)
    return Q(has_problem=False, stage=SIGNED) & (
        Q(signed_at__gte=since) | Q(signed_at__isnull=True, created_at__gte=since)
    )


def _moving(shipments: QuerySet[Shipment]) -> list[Shipment]:
    open_problems = Problem.objects.exclude(stage=ProblemStage.CLOSED).order_by(
        "reported_at", "pk"
    )
    moving = shipments.filter(_MOVING).prefetch_related(
        "milestones",
        Prefetch("problems", queryset=open_problems, to_attr="open_problems"),
    )
    return _listed(moving, MOVING_SHOWN)


def _signed(shipments: QuerySet[Shipment], now: datetime) -> list[Shipment]:
    signed = shipments.filter(_signed_since(now)).order_by(
        Coalesce("signed_at", "created_at").desc(), "-pk"
    )
    return _with_state(signed[:SIGNED_SHOWN])


def _listed(shipments: QuerySet[Shipment], limit: int) -> list[Shipment]:
    return _with_state(shipments.order_by("-created_at", "-pk")[:limit])


def _with_state(shipments: QuerySet[Shipment]) -> list[Shipment]:
    """Attach ``state`` (a status value) and its ``state_label`` to each row."""
    rows = list(shipments)
    for shipment in rows:
        shipment.state = PASSAGE[shipment.stage]  # type: ignore[attr-defined]  # annotated, set for display
        shipment.state_label = LABELS.get(shipment.state, shipment.state.label)  # type: ignore[attr-defined]  # set for display
    return rows
