"""Request types for views behind a login, so the type checker knows the user.

Django and DRF type ``request.user`` as ``Staff | AnonymousUser``; a view behind
``login_required`` (or DRF's ``IsAuthenticated``) only ever sees a Staff.
API views and ``self.request`` keep the framework's type and use ``staff_of``.
"""

from typing import cast

from django.http import HttpRequest
from rest_framework.request import Request

from .models import Staff


class StaffRequest(HttpRequest):
    """The annotation of a page view behind ``login_required`` (never built)."""

    user: Staff


def staff_of(request: HttpRequest | Request) -> Staff:
    """The signed-in staff member of a request that has passed the login check.

    For methods whose request parameter is fixed by the framework (DRF viewset
    actions, ``self.request`` in class-based views).
    """
    return cast(Staff, request.user)
