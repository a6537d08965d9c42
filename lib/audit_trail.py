"""django-simple-history rows read as an audit trail: who did what, when.

Domain-free: each app says which historical rows belong to a subject and how
to name them; this turns consecutive snapshots of one row into entries with
the fields that changed. Phone numbers are masked here as in every list.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneNumber

from lib.phones import mask_phone

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
# Bookkeeping columns of every historical row: not part of the change.
_BOOKKEEPING = {"history_id", "history_date", "history_change_reason"}
_BOOKKEEPING |= {"history_type", "history_user", "id"}


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    kind: str
    subject: str
    action: str
    changes: str

    def as_row(self) -> list:
        at = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M:%S")
        return [at, self.who, self.kind, self.subject, self.action, self.changes]


def history_of(model: type[Model]) -> Any:
    """The history manager django-simple-history adds to a registered model."""
    return model.history  # type: ignore[attr-defined]  # added at run time


def header() -> list[str]:
    return [
        str(_("When")),
        str(_("Who")),
        str(_("What")),
        str(_("Which")),
        str(_("Action")),
        str(_("Changes")),
    ]


def entries(
    history: QuerySet, *, kind: str, subject: Callable[[Any], str]
) -> Iterator[Entry]:
    """One entry per snapshot, oldest first for each row, with its changes."""
    fields = [f for f in history.model._meta.concrete_fields if _tracked(f)]
    previous = None
    ordered = history.select_related("history_user").order_by(
        "id", "history_date", "history_id"
    )
    for row in ordered.iterator(chunk_size=2000):
        prior = previous if previous is not None and previous.id == row.id else None
        yield Entry(
            at=row.history_date,
            who=_who(row.history_user),
            kind=kind,
            subject=subject(row),
            action=str(ACTIONS[row.history_type]),
            changes=_changes(fields, prior, row),
        )
        previous = row


def newest_first(streams: Iterable[Iterable[Entry]], limit: int) -> list[Entry]:
    merged = [entry for stream in streams for entry in stream]
    return sorted(merged, key=lambda entry: entry.at, reverse=True)[:limit]


def _tracked(field) -> bool:
    return field.name not in _BOOKKEEPING and not field.name.startswith("history_")


def _who(user) -> str:
    if user is None:
        return str(_("system"))
    return user.get_full_name() or user.get_username()


def _changes(fields: list, prior: Model | None, row: Any) -> str:
    # ``row`` is a simple_history record (an untyped model made at run time).
    if row.history_type == "-":
        return ""
    parts = []
    for field in fields:
        new = _shown(field, getattr(row, field.attname))
        if prior is None:
            if new not in ("", "—"):
                parts.append(f"{field.verbose_name}: {new}")
            continue
        old = _shown(field, getattr(prior, field.attname))
        if old != new:
            parts.append(f"{field.verbose_name}: {old} → {new}")
    return "; ".join(parts)


def _shown(field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, PhoneNumber) or field.name == "phone":
        return mask_phone(value)
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)
