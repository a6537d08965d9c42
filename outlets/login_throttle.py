"""Login throttling with django-axes: what the three login doors answer.

The login page, the admin login and the API token endpoint all call
``authenticate()`` with the request. django-axes counts failures per account
and per address (``AXES_FAILURE_LIMIT``) in ``AccessAttempt`` and every login
in ``AccessLog``; once either count is reached, ``LoginThrottleBackend`` refuses
further attempts for ``AXES_COOLOFF_TIME`` without checking the password, and
``lockout_response`` answers them: a page in the site's layout, or the API's
error shape under /api/. Each refusal leaves one WARNING line naming the
account and the address, never a phone number.
"""

import logging
import re

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .api.errors import body, is_api

logger = logging.getLogger(__name__)

# Seven or more digits in a row may be a phone number typed as a username.
_DIGIT_RUN = re.compile(r"\d{7,}")


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' check, for every authenticate() that comes with a request.

    A call without a request (a management command, the test client's
    ``login()``) is not a login over the network: nothing to throttle.
    """

    def authenticate(self, request: HttpRequest | None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def masked(text: str) -> str:
    """``13800138000`` -> ``138****8000``: logs never hold a phone number."""
    return _DIGIT_RUN.sub(lambda match: _mask_digits(match.group()), text)


def _mask_digits(digits: str) -> str:
    if len(digits) < 11:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def client_description(
    username: str | None,
    ip_address: str | None,
    user_agent: str | None,
    path_info: str | tuple | None,
    request: HttpRequest | None,
) -> str:
    """How axes' own log lines name a client (AXES_CLIENT_STR_CALLABLE)."""
    if isinstance(path_info, tuple | list):
        path_info = path_info[0]
    return 'account "{}" from {} at {}'.format(
        masked(username or ""), ip_address or "?", path_info or "?"
    )


def lockout_minutes(request: HttpRequest) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """The answer to a login attempt while the account or address is locked."""
    # axes adds its AXES_* defaults to the settings at run time.
    field = settings.AXES_USERNAME_FORM_FIELD  # type: ignore[misc]
    username = (credentials or {}).get(field) or ""
    logger.warning(
        "Login refused, locked out after repeated failures: %s",
        client_description(
            username,
            getattr(request, "axes_ip_address", None),
            None,
            request.path,
            request,
        ),
    )
    status = settings.AXES_HTTP_RESPONSE_CODE  # type: ignore[misc]
    minutes = lockout_minutes(request)
    if is_api(request):
        message = _("Too many failed logins. Try again in %(minutes)d minutes.") % {
            "minutes": minutes
        }
        return JsonResponse(body("locked_out", message), status=status)
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/locked_out.html", context, status=status)
