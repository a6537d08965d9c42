"""Set-based variants of the per-row writes, for the ingest paths.

``clock_start`` and ``outbox.to_customer`` write one row with a few queries each;
a batch of 1,000 scans cannot afford that. These helpers do the same writes
for many subjects with a constant number of queries. They are candidates to
move into ``followups`` once a second caller needs them.
"""

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import translation

from customers.models import Customer, CustomerNeed, ProgressLink
from followups import outbox
from followups.business_hours import add_business_minutes, schedule_for_outlet
from followups.models import (
    Clock,
    ClockPolicy,
    ClockState,
    Counting,
    Message,
    MessageStatus,
)
from followups.policies import DEFAULT_MINUTES, Applied, _rank, default_warning
from followups.texts import LANGUAGES, TEMPLATES


def insert_new(
    model: type[models.Model],
    fields: list[str],
    rows: list[tuple],
    returning: list[str],
) -> list[tuple]:
    """Insert ``rows``, skip those a unique constraint already holds, return the new.

    ``bulk_create(ignore_conflicts=True)`` cannot say which rows it created;
    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` can, in the same statement and
    without a race against a concurrent batch.
    """
    if not rows:
        return []
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(f).column) for f in fields)
    back = ", ".join(quote(meta.get_field(f).column) for f in returning)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
        f"{', '.join([row] * len(rows))} ON CONFLICT DO NOTHING RETURNING {back}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for values in rows for value in values])
        return cursor.fetchall()


def needs_of(customer_ids: Iterable[int]) -> dict[int, list[str]]:
    needs = defaultdict(list)
    for customer_id, need in CustomerNeed.objects.filter(
        customer_id__in=set(customer_ids)
    ).values_list("customer_id", "need"):
        needs[customer_id].append(need)
    return needs


def policy_chooser(kind: str, outlet_ids: Iterable[int]):
    """``followups.policies.policy_for`` for many customers from one query.

    The same specificity rules: the candidate rows are those ``policy_for``
    would select, and ``_rank`` picks among them.
    """
    rows = list(
        ClockPolicy.objects.filter(kind=kind).filter(
            models.Q(outlet__in=set(outlet_ids)) | models.Q(outlet__isnull=True)
        )
    )
    chosen = {}

    def choose(customer: Customer, needs: list[str]) -> Applied:
        key = (customer.outlet_id, customer.tier, tuple(sorted(needs)))
        if key not in chosen:
            chosen[key] = _choose(kind, rows, customer, needs)
        return chosen[key]

    return choose


def _choose(kind, rows, customer, needs) -> Applied:
    fits = [
        row
        for row in rows
        if row.outlet_id in (None, customer.outlet_id)
        and row.tier in ("", customer.tier)
        and (row.need == "" or row.need in needs)
    ]
    best = min(fits, key=_rank, default=None)
    if best is None:
        minutes, counting = DEFAULT_MINUTES[kind]
        return Applied(minutes, default_warning(minutes), counting, 30)
    return Applied(
        best.minutes,
        min(best.warn_before_minutes, best.minutes),
        best.counting,
        best.escalate_after_minutes,
        best.label,
    )


class Started(NamedTuple):
    id: int
    minutes: int


CLOCK_FIELDS = [
    "kind",
    "subject_type",
    "subject_id",
    "outlet",
    "customer",
    "responsible",
    "policy_minutes",
    "policy_label",
    "counting",
    "escalate_after_minutes",
    "state",
    "started_at",
    "warn_at",
    "due_at",
    "paused_seconds",
    "escalation_level",
]


def clocks_start_many(
    *,
    kind: str,
    subject_type: str,
    subjects: list[tuple[int, Customer, int | None]],
    now: datetime,
) -> dict[int, "Started"]:
    """Start a clock for each ``(subject_id, customer, responsible_id)``.

    Like ``clock_start``, a subject that already has this clock keeps it.
    Returns the new clocks by subject. Rows are written as plain values
    in one statement: building 1,000 model instances cost more than the insert.
    """
    if not subjects:
        return {}
    customers = [customer for _, customer, _ in subjects]
    needs = needs_of(c.pk for c in customers)
    choose = policy_chooser(kind, {c.outlet_id for c in customers})
    deadline = _deadlines()
    rows = []
    for subject_id, customer, responsible_id in subjects:
        policy = choose(customer, needs.get(customer.pk, []))
        warn_after = policy.minutes - policy.warn_before_minutes
        rows.append(
            (
                kind,
                subject_type,
                subject_id,
                customer.outlet_id,
                customer.pk,
                responsible_id,
                policy.minutes,
                policy.label,
                policy.counting,
                policy.escalate_after_minutes,
                ClockState.RUNNING,
                now,
                deadline(now, warn_after, policy, customer),
                deadline(now, policy.minutes, policy, customer),
                0,
                0,
            )
        )
    created = insert_new(
        Clock, CLOCK_FIELDS, rows, ["subject_id", "id", "policy_minutes"]
    )
    return {subject_id: Started(pk, minutes) for subject_id, pk, minutes in created}


def _deadlines() -> Callable:
    """``clocks._deadline`` with each outlet's schedule loaded once per batch."""
    schedules = {}

    def deadline(start, minutes, policy: Applied, customer: Customer) -> datetime:
        if policy.counting == Counting.BUSINESS_HOURS:
            outlet_id = customer.outlet_id
            if outlet_id not in schedules:
                schedules[outlet_id] = schedule_for_outlet(outlet_id)
            if schedules[outlet_id].weekly:
                return add_business_minutes(start, minutes, schedules[outlet_id])
        return start + timedelta(minutes=minutes)

    return deadline


MESSAGE_FIELDS = [
    "outlet",
    "customer",
    "clock",
    "channel",
    "address",
    "template",
    "language",
    "text_zh",
    "text_en",
    "dedupe_key",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "last_error",
]


def customer_message(
    *,
    customer: Customer,
    template: str,
    texts: dict[str, str],
    key: str,
    now: datetime,
    clock_id: int | None = None,
) -> tuple:
    """The row ``outbox.to_customer`` would write, as values for ``write_messages``."""
    channel, address, not_before = _reach(customer, now)
    return (
        customer.outlet_id,
        customer.pk,
        clock_id,
        channel,
        address,
        template,
        customer.language,
        texts["zh-hans"],
        texts["en"],
        f"{key}:{channel}:{address}"[:200],
        MessageStatus.PENDING,
        0,
        not_before,
        now,
        "",
    )


def _reach(customer: Customer, now: datetime) -> tuple[str, str, datetime]:
    """Channel, address and earliest send time, worked out once per customer.

    Formatting a phone number costs more than the rest of a message row, and
    a batch holds many scans of the same customers.
    """
    cached = getattr(customer, "_reach", None)
    if cached is None or cached[0] != now:
        channel, address = outbox.customer_address(customer)
        cached = (now, (channel, address, outbox.quiet_until(customer, now) or now))
        customer._reach = cached
    return cached[1]


def write_messages(rows: list[tuple]) -> None:
    """Insert in one statement, skip dedupe keys already written, deliver on commit."""
    if rows:
        insert_new(Message, MESSAGE_FIELDS, rows, ["id"])
        transaction.on_commit(outbox._enqueue_delivery)


def texts_with_labels(
    template: str, field: str, choices: type[models.TextChoices]
) -> Callable:
    """Render ``template`` for many rows whose ``field`` shows a choice's label.

    Translating once per language, not per row, keeps a 1,000-row batch cheap;
    the choice's label is translated too (``texts.renderer`` cannot do that).
    """
    formats = {}
    for language in LANGUAGES:
        with translation.override(language):
            labels = {value: str(label) for value, label in choices.choices}
            formats[language] = (str(TEMPLATES[template]), labels)

    def render(context: dict, choice: str) -> dict[str, str]:
        return {
            language: fmt % {**context, field: labels[choice]}
            for language, (fmt, labels) in formats.items()
        }

    return render


@transaction.atomic
def progress_urls(customer_ids: Iterable[int], *, now: datetime) -> dict[int, str]:
    """Each customer's progress board URL; links are made for those without one."""
    wanted = set(customer_ids)
    live = _live_tokens(wanted)
    if missing := wanted - live.keys():
        ProgressLink.objects.bulk_create(
            [
                ProgressLink(
                    customer_id=pk, token=secrets.token_urlsafe(32), created_at=now
                )
                for pk in missing
            ],
            ignore_conflicts=True,
        )
        live |= _live_tokens(missing)
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return {pk: f"{base}/p/{token}/" for pk, token in live.items()}


def _live_tokens(customer_ids: set[int]) -> dict[int, str]:
    return dict(
        ProgressLink.objects.filter(
            customer_id__in=customer_ids, revoked_at=None
        ).values_list("customer_id", "token")
    )
