"""Resolve ids sent by a client to rows the user may see, or a field error."""

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from outlets.access import visible
from outlets.models import Outlet, Staff

M = TypeVar("M", bound=Model)


def visible_ref(user: Staff, queryset: QuerySet[M], pk, field: str) -> M | None:
    """The row ``pk`` of ``queryset`` if ``user`` may see it; None for no id.

    A row the user may not see answers exactly like a row that does not exist.
    """
    if pk in (None, ""):
        return None
    row = visible(user, queryset).filter(pk=pk).first()
    if row is None:
        raise ValidationError({field: [_("Unknown or not yours: %(id)s") % {"id": pk}]})
    return row


def outlet_for(user: Staff, outlet_id) -> Outlet:
    """The outlet a new row belongs to: the user's own, or HQ's explicit choice."""
    if user.outlet is not None and not user.is_hq:
        return user.outlet
    outlet = visible_ref(user, Outlet.objects.all(), outlet_id, "outlet")
    if outlet is None:
        raise ValidationError({"outlet": [_("Choose the outlet.")]})
    return outlet
