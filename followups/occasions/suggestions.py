"""What to give and say, by need and care tag rather than by ritual.

Ice packs for cold-chain customers before a sale, hand warmers for long-haul
drivers in winter: a rule names the needs or tags it serves, the months or
occasions it fits, and what it proposes. Festival greetings come last, for
customers no need-oriented rule fits.
"""

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from customers.models import CareTag, Need

from .models import Occasion

WINTER = frozenset({11, 12, 1, 2})
SUMMER = frozenset({6, 7, 8})
WARM = frozenset({5, 6, 7, 8, 9})


class Suggestion(NamedTuple):
    gift: Promise
    text: Promise
    why: Promise
    needs: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()


class _Rule(NamedTuple):
    suggestion: Suggestion
    months: frozenset[int] = frozenset()
    occasions: frozenset[str] = frozenset()

    def fits(self, occasion: str, day: date) -> bool:
        return day.month in self.months or occasion in self.occasions


_PROMOTION = frozenset({Occasion.PROMOTION})

_RULES = [
    _Rule(
        Suggestion(
            _("Ice packs"),
            _("The sale is coming: here are ice packs to keep your fresh goods cold."),
            _("Cold-chain customers before a sale or in warm months"),
            needs=frozenset({Need.COLD_CHAIN}),
            tags=frozenset({CareTag.FRESH_PRODUCE}),
        ),
        months=WARM,
        occasions=_PROMOTION,
    ),
    _Rule(
        Suggestion(
            _("Hand warmers"),
            _("Winter is on the road with you: hand warmers for your drivers."),
            _("Long-haul drivers in winter"),
            tags=frozenset({CareTag.LONG_HAUL}),
        ),
        months=WINTER,
    ),
    _Rule(
        Suggestion(
            _("Herbal cooling tea"),
            _("Hot days outdoors: a box of cooling tea for your team."),
            _("Customers who work outdoors in summer"),
            tags=frozenset({CareTag.OUTDOOR_WORK}),
        ),
        months=SUMMER,
    ),
    _Rule(
        Suggestion(
            _("Extra cartons and tape"),
            _("Ready for the sale: extra cartons and tape, and pickups booked ahead."),
            _("Online shops and time-sensitive senders before a sale"),
            needs=frozenset({Need.TIME_SENSITIVE}),
            tags=frozenset({CareTag.E_COMMERCE}),
        ),
        occasions=_PROMOTION,
    ),
    _Rule(
        Suggestion(
            _("Bubble wrap"),
            _("Peak weeks are rough on parcels: bubble wrap for your fragile goods."),
            _("Fragile goods before a sale"),
            needs=frozenset({Need.FRAGILE}),
        ),
        occasions=_PROMOTION,
    ),
]

_GREETINGS: dict[str, Suggestion] = {
    Occasion.NEW_YEAR: Suggestion(
        _("A desk calendar"),
        _("Happy New Year, and thank you for shipping with us."),
        _("New Year greeting"),
    ),
    Occasion.SPRING_FESTIVAL: Suggestion(
        _("Spring couplets"),
        _("Happy Spring Festival! Thank you for a year of shipping with us."),
        _("Spring Festival greeting"),
    ),
    Occasion.DRAGON_BOAT: Suggestion(
        _("Zongzi"),
        _("Happy Dragon Boat Festival from your outlet."),
        _("Dragon Boat greeting"),
    ),
    Occasion.MID_AUTUMN: Suggestion(
        _("Mooncakes"),
        _("Happy Mid-Autumn Festival: may your family be together tonight."),
        _("Mid-Autumn greeting"),
    ),
}


def suggestions(
    *,
    occasion: str,
    day: date,
    needs: Iterable[str] = (),
    tags: Iterable[str] = (),
) -> list[Suggestion]:
    """Need-oriented proposals for the segment first, then the festival greeting.

    A segment that names no need and no tag gets every proposal that fits the
    season: the manager is choosing whom to reach.
    """
    needs, tags = set(needs), set(tags)
    chosen = [
        rule.suggestion
        for rule in _RULES
        if rule.fits(occasion, day)
        and (
            not (needs or tags)
            or rule.suggestion.needs & needs
            or rule.suggestion.tags & tags
        )
    ]
    if occasion in _GREETINGS:
        chosen.append(_GREETINGS[occasion])
    return chosen
