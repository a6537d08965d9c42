"""Claiming due rows so that two sweeps at once never act on the same row."""

from django.db import connection
from django.db.models import QuerySet


def claim(queryset: QuerySet, *, order_by: str, batch: int, changes: dict) -> list[int]:
    """Apply ``changes`` to up to ``batch`` rows of ``queryset``; return their keys.

    Must run inside ``transaction.atomic()``.

    1. PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` in due order takes rows no
       other sweep holds, then one UPDATE changes them all.
    2. Elsewhere (SQLite): each row is changed by a compare-and-set UPDATE that
       repeats the due condition, and only rows whose UPDATE hit are claimed.
    """
    ordered = queryset.order_by(order_by)
    if connection.features.has_select_for_update_skip_locked:
        locked = ordered.select_for_update(skip_locked=True, of=("self",))
        keys = list(locked.values_list("pk", flat=True)[:batch])
        if keys:
            queryset.model._default_manager.filter(pk__in=keys).update(**changes)
        return keys
    keys = list(ordered.values_list("pk", flat=True)[:batch])
    return [pk for pk in keys if queryset.filter(pk=pk).update(**changes)]
