from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from lib.bounded_inputs import validate_plausible_instant
from outlets.models import Outlet

# Plausible domain bounds, declared once: forms and serializers use them too.
# A pickup or waybill of 1,000 pieces is several; a parcel of 5 t is freight.
MAX_PIECES = 999
PIECES = [MinValueValidator(1), MaxValueValidator(MAX_PIECES)]
MIN_WEIGHT_KG, MAX_WEIGHT_KG = Decimal("0.01"), Decimal("5000")
WEIGHT_KG = [MinValueValidator(MIN_WEIGHT_KG), MaxValueValidator(MAX_WEIGHT_KG)]
# Declared and insured values, compensation: beyond ¥1,000,000 is a contract.
MAX_YUAN = Decimal("1000000")
YUAN = [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_YUAN)]
TEMPERATURE_C = [MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))]
HUMIDITY_PCT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
INSTANT = [validate_plausible_instant]
# Free text: a remark or a plan, not a document. Plans reach the customer.
TEXT_LENGTH = 2000
PLAN_LENGTH = 1000


def _length_at_most(field: str, limit: int) -> LessThanOrEqual:
    return LessThanOrEqual(Length(field), limit)


def _between(field: str, low, high) -> models.Q:
    return models.Q(**{f"{field}__gte": low, f"{field}__lte": high})


class ServiceLevel(models.TextChoices):
    STANDARD = "standard", _("Standard")
    SAME_DAY = "same_day", _("Same-day delivery")
    NEXT_MORNING = "next_morning", _("Next-morning delivery")


class MilestoneKind(models.TextChoices):
    # Declared in the order a parcel passes them.
    PICKED_UP = "picked_up", _("Picked up")
    AT_SORTING_CENTER = "at_sorting_center", _("Arrived at sorting center")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    SIGNED = "signed", _("Signed")


class ShipmentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    PICKED_UP = "picked_up", _("Picked up")
    AT_SORTING_CENTER = "at_sorting_center", _("At sorting center")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    SIGNED = "signed", _("Signed")


class InsuranceAnswer(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class PickupStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    CONTACTED = "contacted", _("Customer contacted")
    PICKED_UP = "picked_up", _("Picked up")
    ENTERED = "entered", _("Entered")
    CANCELLED = "cancelled", _("Cancelled")


class ContactMethod(models.TextChoices):
    CALLED = "called", _("Called")
    MESSAGED = "messaged", _("Messaged")


class PickupRequest(models.Model):
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="pickups",
        verbose_name=_("customer"),
    )
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        related_name="pickups",
        verbose_name=_("outlet"),
    )
    address = models.CharField(_("address"), max_length=255)
    window_start = models.DateTimeField(_("requested from"), validators=INSTANT)
    window_end = models.DateTimeField(_("requested until"), validators=INSTANT)
    goods_description = models.CharField(_("goods"), max_length=200, blank=True)
    fragile = models.BooleanField(_("fragile"), default=False)
    valuable = models.BooleanField(_("valuable"), default=False)
    expected_pieces = models.PositiveIntegerField(
        _("expected pieces"), default=1, validators=PIECES
    )
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pickups",
        verbose_name=_("courier"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PickupStatus.choices,
        default=PickupStatus.REQUESTED,
    )
    requested_at = models.DateTimeField(_("requested at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    contact_method = models.CharField(
        _("contact method"), max_length=10, choices=ContactMethod.choices, blank=True
    )
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    verified_pieces = models.PositiveIntegerField(
        _("verified pieces"), null=True, blank=True, validators=PIECES
    )
    verified_weight_kg = models.DecimalField(
        _("verified weight (kg)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=WEIGHT_KG,
    )
    insurance = models.CharField(
        _("insured value"),
        max_length=12,
        choices=InsuranceAnswer.choices,
        default=InsuranceAnswer.NOT_NEEDED,
    )
    entered_at = models.DateTimeField(_("entered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pickup request")
        verbose_name_plural = _("pickup requests")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["outlet", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_start__lt=models.F("window_end")),
                name="pickup_window_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(verified_weight_kg__isnull=True)
                | models.Q(verified_weight_kg__gt=0),
                name="pickup_weight_positive",
            ),
            models.CheckConstraint(
                condition=_between("expected_pieces", 1, MAX_PIECES)
                & (
                    models.Q(verified_pieces__isnull=True)
                    | _between("verified_pieces", 1, MAX_PIECES)
                )
                & (
                    models.Q(verified_weight_kg__isnull=True)
                    | models.Q(verified_weight_kg__lte=MAX_WEIGHT_KG)
                ),
                name="pickup_counts_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer}"

    @property
    def needs_insurance_question(self) -> bool:
        return self.fragile or self.valuable


class Shipment(models.Model):
    waybill = models.CharField(_("waybill number"), max_length=30, unique=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("customer"),
        # Covered by the (customer, created_at) index.
        db_index=False,
    )
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("outlet"),
        # Covered by the (outlet, status) index; the ingest's status UPDATE
        # rewrites every index entry of the row, so each extra index costs.
        db_index=False,
    )
    pickup = models.OneToOneField(
        PickupRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shipment",
    )
    service_level = models.CharField(
        _("service level"),
        max_length=15,
        choices=ServiceLevel.choices,
        default=ServiceLevel.STANDARD,
    )
    goods_description = models.CharField(_("goods"), max_length=200, blank=True)
    cold_chain = models.BooleanField(_("cold chain"), default=False)
    temperature_min_c = models.DecimalField(
        _("lowest allowed temperature (°C)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=TEMPERATURE_C,
    )
    temperature_max_c = models.DecimalField(
        _("highest allowed temperature (°C)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=TEMPERATURE_C,
    )
    humidity_min_pct = models.DecimalField(
        _("lowest allowed humidity (%)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=HUMIDITY_PCT,
    )
    humidity_max_pct = models.DecimalField(
        _("highest allowed humidity (%)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=HUMIDITY_PCT,
    )
    fragile = models.BooleanField(_("fragile"), default=False)
    valuable = models.BooleanField(_("valuable"), default=False)
    declared_value = models.DecimalField(
        _("declared value (¥)"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=YUAN,
    )
    insured_value = models.DecimalField(
        _("insured value (¥)"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=YUAN,
    )
    pieces = models.PositiveIntegerField(_("pieces"), default=1, validators=PIECES)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=8, decimal_places=2, validators=WEIGHT_KG
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ShipmentStatus.choices,
        default=ShipmentStatus.CREATED,
    )
    expected_arrival = models.DateTimeField(
        _("expected arrival"), null=True, blank=True, validators=INSTANT
    )
    # New customers get a progress update every 2 hours in transit; the next
    # one is a deadline column read through a partial index, like a clock.
    next_progress_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["outlet", "status"]),
            models.Index(
                fields=["next_progress_at"],
                name="shipment_progress_due",
                condition=models.Q(next_progress_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_kg__gt=0), name="shipment_weight_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(pieces__gte=1), name="shipment_has_pieces"
            ),
            models.CheckConstraint(
                condition=models.Q(pieces__lte=MAX_PIECES)
                & models.Q(weight_kg__lte=MAX_WEIGHT_KG)
                & _between("declared_value", 0, MAX_YUAN)
                & _between("insured_value", 0, MAX_YUAN),
                name="shipment_counts_plausible",
            ),
            models.CheckConstraint(
                condition=models.Q(temperature_min_c__isnull=True)
                | models.Q(temperature_max_c__isnull=True)
                | models.Q(temperature_min_c__lte=models.F("temperature_max_c")),
                name="shipment_temperature_range_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(humidity_min_pct__isnull=True)
                | models.Q(humidity_max_pct__isnull=True)
                | models.Q(humidity_min_pct__lte=models.F("humidity_max_pct")),
                name="shipment_humidity_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.waybill


class Milestone(models.Model):
    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.CASCADE,
        related_name="milestones",
        # Covered by the unique (shipment, kind) constraint's index; a second
        # index on shipment alone only cost every milestone insert.
        db_index=False,
    )
    kind = models.CharField(
        _("milestone"), max_length=20, choices=MilestoneKind.choices
    )
    occurred_at = models.DateTimeField(_("occurred at"), validators=INSTANT)
    location = models.CharField(_("location"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "kind"], name="one_milestone_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.kind}"


class ProblemKind(models.TextChoices):
    DELAY = "delay", _("Delay")
    DAMAGE = "damage", _("Damage")
    LOSS = "loss", _("Loss")
    COMPLAINT = "complaint", _("Complaint")
    OTHER = "other", _("Other")


class ProblemStage(models.TextChoices):
    # In the order the 1530 rule walks them; none may be skipped.
    REPORTED = "reported", _("Reported")
    RESPONDED = "responded", _("Responded")
    SOLUTION_OFFERED = "solution_offered", _("Solution offered")
    REMEDIED = "remedied", _("Remedied")
    CLOSED = "closed", _("Closed")


class Liability(models.TextChoices):
    COURIER = "courier", _("Courier")
    OUTLET = "outlet", _("Outlet")
    SORTING_CENTER = "sorting_center", _("Sorting center")
    LINEHAUL = "linehaul", _("Linehaul")
    CUSTOMER = "customer", _("Customer")
    EXTERNAL = "external", _("External")


class RemedyKind(models.TextChoices):
    RESHIPMENT = "reshipment", _("Re-shipment")
    CLAIM = "claim", _("Claim")
    REFUND = "refund", _("Refund")
    OTHER = "other", _("Other")


class Problem(models.Model):
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("outlet"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("customer"),
    )
    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("shipment"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ProblemKind.choices)
    description = models.TextField(_("description"), max_length=TEXT_LENGTH)
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=ProblemStage.choices,
        default=ProblemStage.REPORTED,
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_problems",
        verbose_name=_("reported by"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_problems",
        verbose_name=_("owner"),
    )
    reported_at = models.DateTimeField(_("reported at"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    response_note = models.TextField(
        _("what was said"), blank=True, max_length=TEXT_LENGTH
    )
    solution_offered_at = models.DateTimeField(
        _("solution offered at"), null=True, blank=True
    )
    solution_note = models.TextField(
        _("what was offered"), blank=True, max_length=TEXT_LENGTH
    )
    remedied_at = models.DateTimeField(_("remedied at"), null=True, blank=True)
    remedy_kind = models.CharField(
        _("remedy"), max_length=12, choices=RemedyKind.choices, blank=True
    )
    remedy_note = models.TextField(
        _("what was done"), blank=True, max_length=TEXT_LENGTH
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    liability = models.CharField(
        _("liability"), max_length=15, choices=Liability.choices, blank=True
    )
    compensation = models.DecimalField(
        _("compensation (¥)"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=YUAN,
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    handling_plan = models.TextField(
        _("handling plan"),
        blank=True,
        max_length=PLAN_LENGTH,
        help_text=_("Shown to the customer on the progress board."),
    )
    new_expected_at = models.DateTimeField(
        _("new expected arrival"), null=True, blank=True, validators=INSTANT
    )

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["outlet", "stage"]),
            # Open problems by outlet, oldest first (the account manager's
            # day), without reading the closed ones that pile up.
            models.Index(
                fields=["outlet", "reported_at"],
                name="problem_open_reported",
                condition=~models.Q(stage="closed"),
            ),
        ]
        constraints = [
            # Lookups joined with & make a Q; the stubs say Combinable.
            models.CheckConstraint(  # type: ignore[call-overload]
                condition=_length_at_most("description", TEXT_LENGTH)
                & _length_at_most("response_note", TEXT_LENGTH)
                & _length_at_most("solution_note", TEXT_LENGTH)
                & _length_at_most("remedy_note", TEXT_LENGTH)
                & _length_at_most("handling_plan", PLAN_LENGTH),
                name="problem_text_length",
            ),
            models.CheckConstraint(
                condition=_between("compensation", 0, MAX_YUAN),
                name="problem_compensation_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class ColdChainReading(models.Model):
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="readings"
    )
    taken_at = models.DateTimeField(_("taken at"), validators=INSTANT)
    temperature_c = models.DecimalField(
        _("temperature (°C)"),
        max_digits=5,
        decimal_places=1,
        validators=TEMPERATURE_C,
    )
    humidity_pct = models.DecimalField(
        _("humidity (%)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=HUMIDITY_PCT,
    )

    class Meta:
        verbose_name = _("cold-chain reading")
        verbose_name_plural = _("cold-chain readings")
        ordering = ["taken_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "taken_at"], name="one_reading_per_instant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.taken_at:%H:%M} {self.temperature_c}°C"


class ExcursionState(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    ALARMED = "alarmed", _("Alarmed")
    CLOSED = "closed", _("Closed")


class Excursion(models.Model):
    """A cold-chain shipment out of its temperature or humidity range.

    Suspected at the first reading out of range; alarmed (the 5-minute clock
    starts) once readings stay out of range for the minimum duration; closed by
    a reading back in range.
    """

    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.CASCADE,
        related_name="excursions",
        verbose_name=_("shipment"),
    )
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ExcursionState.choices,
        default=ExcursionState.SUSPECTED,
    )
    started_at = models.DateTimeField(_("out of range since"))
    last_out_at = models.DateTimeField(_("last reading out of range"))
    alarmed_at = models.DateTimeField(_("alarmed at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_excursions",
        verbose_name=_("handled by"),
    )
    handling_note = models.TextField(
        _("what was done"), blank=True, max_length=TEXT_LENGTH
    )
    ended_at = models.DateTimeField(_("back in range at"), null=True, blank=True)
    worst_temperature_c = models.DecimalField(
        _("worst temperature (°C)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
    )
    problem = models.ForeignKey(
        Problem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="excursions",
        verbose_name=_("problem"),
    )

    class Meta:
        verbose_name = _("cold-chain excursion")
        verbose_name_plural = _("cold-chain excursions")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment"],
                condition=~models.Q(state="closed"),
                name="one_open_excursion_per_shipment",
            ),
            models.CheckConstraint(
                condition=_length_at_most("handling_note", TEXT_LENGTH),
                name="excursion_note_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment} {self.get_state_display()}"
