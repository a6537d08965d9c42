"""Where a pull scan stopped: the care floor reads new rows of lower floors
(signed milestones, new shipments) by primary key, from its last position.

A scan never walks a whole table: it reads ``pk > position - OVERLAP`` through
the primary key index. The overlap re-reads the last rows of the previous run,
so a row whose transaction committed after a higher key was already read (a
bulk ingest of 1,000 events commits as one) is still seen; what a scan makes
is keyed (``source_key``, unique constraints), so reading a row twice makes
nothing twice. Two scans at once queue on the mark's row lock.
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from django.db import models, transaction
from django.db.models import Max, QuerySet

from lib.inserts import insert_new

# Rows re-read behind the mark: a few concurrent bulk ingests' worth.
OVERLAP = 10_000
BATCH = 2_000
# One run reads at most this many batches; the next run carries on.
MAX_BATCHES = 20


class ScanMark(models.Model):
    name = models.CharField(max_length=60, unique=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "scan mark"

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"


def scan_from_mark(
    name: str,
    rows: QuerySet,
    handle: Callable[[Sequence], int],
    *,
    now: datetime,
    batch: int = BATCH,
) -> int:
    """Feed ``rows`` (already filtered) beyond the mark to ``handle`` in key order.

    1. Lock the mark (made on first use).
    2. Read batches of ``rows`` with ``position - OVERLAP < pk <= top``, where
       ``top`` is the table's highest key when the run starts.
    3. ``handle`` each batch (it returns how many things it made).
    4. Move the mark to ``top``, or to the last key read when the run stopped
       at its batch limit.
    Returns the total ``handle`` reported.
    """
    with transaction.atomic():
        mark = _locked(name)
        top = rows.model._default_manager.aggregate(top=Max("pk"))["top"] or 0
        start, made = max(0, mark.position - OVERLAP), 0
        for _ in range(MAX_BATCHES):
            chunk = list(rows.filter(pk__gt=start, pk__lte=top).order_by("pk")[:batch])
            made += handle(chunk) if chunk else 0
            if len(chunk) < batch:
                start = top
                break
            start = chunk[-1].pk
        ScanMark.objects.filter(pk=mark.pk).update(
            position=max(start, mark.position), updated_at=now
        )
    return made


def _locked(name: str) -> ScanMark:
    insert_new(ScanMark, ["name", "position"], [(name, 0)], ["id"])
    return ScanMark.objects.select_for_update().get(name=name)
