"""What a generated follow-up's note says: what to do and why."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import FollowUpKind
from .models import SCOPE_VALUES, CarePlanScope

_WHAT = {
    FollowUpKind.RETURN_VISIT: gettext_lazy(
        "Ask how the service is going and what we could do better."
    ),
    FollowUpKind.NEW_CUSTOMER_CHECK_IN: gettext_lazy(
        "Check in: were pickups answered within 30 minutes and the tracking clear?"
    ),
    FollowUpKind.FIRST_MONTH_REVIEW: gettext_lazy(
        "Ask how the first month went: pickups, tracking, any problem left open."
    ),
    FollowUpKind.PROMOTION: gettext_lazy("Tell them about this month's offers."),
    FollowUpKind.OPEN_DAY: gettext_lazy("Invite them to the next open day."),
    FollowUpKind.RETENTION_CALL: gettext_lazy(
        "Call to keep them: ask what would make them stay."
    ),
}


def scope_label(scope: str, value: str) -> str:
    return str(SCOPE_VALUES[CarePlanScope(scope)](value).label)


def plan_note(settings) -> str:
    """What to do, then why: the care plan of which customers, how often."""
    values = {
        "customers": scope_label(settings.scope, settings.value),
        "days": settings.cadence_days or settings.offset_days,
    }
    if settings.cadence_days:
        why = _("Care plan for %(customers)s: every %(days)s days.") % values
    else:
        why = (
            _("Care plan for %(customers)s: %(days)s days after the cooperation start.")
            % values
        )
    what = _WHAT.get(settings.kind)
    if what is None:
        return why
    # One message, so a language without spaces between sentences can drop it.
    return _("%(what)s %(why)s") % {"what": what, "why": why}
