"""State changes of staff accounts: API tokens and disabling an account.

Pages, the API and the admin call these; nothing else writes ``ApiToken`` or
turns ``is_active`` off.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils.crypto import constant_time_compare
from knox.models import get_digest_token
from knox.settings import CONSTANTS

from .models import ApiToken, Staff


def password_fingerprint(staff: Staff) -> str:
    """Changes whenever the password does (the hash Django binds sessions to)."""
    return staff.get_session_auth_hash()


def api_token_is_current(token: ApiToken) -> bool:
    return constant_time_compare(
        token.password_fingerprint, password_fingerprint(token.user)
    )


def api_token_issue(*, staff: Staff, now: datetime) -> tuple[ApiToken, str]:
    """A new token for ``staff``, valid for API_TOKEN_DAYS from ``now``.

    One live token per person: an earlier one stops working, so a token
    copied somewhere and forgotten dies with the next one. Returns the row and
    the token itself, which is shown once and never stored.
    """
    digest, key = get_digest_token()
    token = ApiToken(
        digest=digest,
        token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
        user=staff,
        expiry=now + timedelta(days=settings.API_TOKEN_DAYS),
        password_fingerprint=password_fingerprint(staff),
    )
    with transaction.atomic():
        ApiToken.objects.filter(user=staff).delete()
        token.save(force_insert=True)
    return token, key


def api_token_revoke(*, staff: Staff) -> int:
    """Every token of ``staff`` stops working; the number revoked."""
    deleted, _ = ApiToken.objects.filter(user=staff).delete()
    return deleted


def staff_disable(*, staff: Staff, now: datetime) -> None:
    """Turn the account off and end everything it was logged in with.

    Its sessions and API tokens are deleted, not merely refused, so enabling
    the account again brings none of them back.
    """
    with transaction.atomic():
        Staff.objects.filter(pk=staff.pk).update(is_active=False)
        staff.is_active = False
        api_token_revoke(staff=staff)
        staff_sessions_end(staff=staff, now=now)


def staff_sessions_end(*, staff: Staff, now: datetime) -> int:
    """Delete the live sessions logged in as ``staff``; how many.

    Sessions do not record their user in a column, so each live one is
    decoded: SESSION_COOKIE_AGE keeps that to about a day's logins.
    """
    mine = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=now).iterator()
        if _logged_in_as(session, staff)
    ]
    Session.objects.filter(pk__in=mine).delete()
    return len(mine)


def _logged_in_as(session: Session, staff: Staff) -> bool:
    return session.get_decoded().get(SESSION_KEY) == str(staff.pk)
