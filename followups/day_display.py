"""What the day page prints beside the selector's rows, worked out once per
page in Python rather than once per row in the template: each card's
addresses and the labels of its kind and channel.

Why: ``{% url %}`` resolves its route again for every card (four per card, and
one per customer link), and ``get_kind_display`` rebuilds the choices on each
call; on a day of 50 follow-ups those were most of the page's time.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain

from django.urls import reverse
from django.utils import timezone

from .models import FollowUpChannel, FollowUpKind, FollowUpOutcome
from .selectors import Day

# A key no route holds otherwise; the real key takes its place.
_MARK = 918273645


def by_pk(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many keys: one reversal in all."""
    head, tail = reverse(name, args=[_MARK]).rsplit(str(_MARK), 1)
    return lambda pk: f"{head}{pk}{tail}"


def choice_labels(choices: Iterable[tuple[str, object]]) -> dict[str, str]:
    """Each value's label in the active language, translated once."""
    return {value: str(label) for value, label in choices}


def outcome_choices() -> list[tuple[str, str]]:
    return list(choice_labels(FollowUpOutcome.choices).items())


@dataclass(frozen=True)
class CardLinks:
    complete: str
    reschedule: str
    decline: str


def day_display(day: Day) -> Day:
    """Give each row of ``day`` its addresses and labels; returns ``day``.

    Files get ``url`` (the customer page), follow-up cards ``links``,
    ``kind_label``, ``channel_label`` and ``due_label``, problems ``url``.
    """
    customer_url = by_pk("customers:detail")
    for file in day.files.values():
        file.url = customer_url(file.customer.pk)  # type: ignore[attr-defined]  # set for display
    _dress_cards(chain(day.follow_ups, day.warehouse_warnings), day.today)
    problem_url = by_pk("problems:detail")
    for problem in day.problems:
        problem.url = problem_url(problem.pk)  # type: ignore[attr-defined]  # set for display
    return day


def due_label(due_at: datetime, today: date) -> str:
    """The time alone for today (the local day), else the day and time."""
    local = timezone.localtime(due_at)
    return f"{local:%H:%M}" if local.date() == today else f"{local:%m-%d %H:%M}"


def _dress_cards(follow_ups: Iterable, today: date) -> None:
    complete = by_pk("followups:complete")
    reschedule = by_pk("followups:reschedule")
    decline = by_pk("followups:decline")
    kinds = choice_labels(FollowUpKind.choices)
    channels = choice_labels(FollowUpChannel.choices)
    for follow_up in follow_ups:
        pk = follow_up.pk
        follow_up.links = CardLinks(complete(pk), reschedule(pk), decline(pk))
        # As get_FOO_display: a value without a label shows as itself.
        follow_up.kind_label = kinds.get(follow_up.kind, follow_up.kind)
        follow_up.channel_label = channels.get(follow_up.channel, follow_up.channel)
        follow_up.due_label = due_label(follow_up.due_at, today)
