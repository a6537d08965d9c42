from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from outlets.errors import DomainError

from ..models import ColdChainReading, Shipment

# Beyond what any cold chain or sensor can read: a sign of a broken sensor or unit.
PLAUSIBLE_C = (Decimal("-90"), Decimal("90"))


@transaction.atomic
def reading_record(
    *, shipment: Shipment, taken_at: datetime, temperature_c: Decimal,
    humidity_pct: Decimal | None = None,
) -> tuple[ColdChainReading, bool]:
    """Store a sensor reading; the same instant twice is stored once."""
    low, high = PLAUSIBLE_C
    if temperature_c is None or not low <= temperature_c <= high:
        raise DomainError(_("The temperature is not plausible."),
                          fields={"temperature_c": [_("Must be between -90 and 90 "
                                                      "°C.")]})
    if humidity_pct is not None and not 0 <= humidity_pct <= 100:
        raise DomainError(_("Humidity is a percentage."),
                          fields={"humidity_pct": [_("Must be between 0 and 100.")]})
    return ColdChainReading.objects.get_or_create(
        shipment=shipment, taken_at=taken_at,
        defaults={"temperature_c": temperature_c, "humidity_pct": humidity_pct},
    )
