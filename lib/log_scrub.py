"""A logging filter that keeps personal data out of every log line.

A log is read by more people than the customer book (operators, a hosting
company, whoever gets a support bundle) and is kept longer. Two things must
never reach it: a phone number, and a progress-board URL, whose token is the
key to a customer's parcels. The filter rewrites each record's message (and
its traceback) before any handler formats it: a Chinese mobile becomes
138****8000, any other long run of digits after a "+" is hidden, and
``/p/<token>/`` becomes ``/p/…/`` (a bare token becomes ``…``).
"""

import logging
import re

# A Chinese mobile, bare or with +86 / 86 in front, not inside a longer number.
CHINESE_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")
# Any other number in E.164 form (+44 20 7123 4567 written without spaces).
E164 = re.compile(r"\+\d{7,15}(?!\d)")
# A progress board path: /p/ then its URL-safe token (the rotate path is /p/rotate/).
PROGRESS_PATH = re.compile(r"/p/(?!rotate/)[A-Za-z0-9_\-~]{6,}")
# A bare token as secrets.token_urlsafe(32) writes it (43 characters), e.g. in
# an SQL line's parameters when queries are logged.
TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{43}(?![A-Za-z0-9_\-])")


def scrub(text: str) -> str:
    text = CHINESE_MOBILE.sub(r"\1****\2", text)
    text = E164.sub(lambda match: match.group()[:3] + "****" + match.group()[-4:], text)
    text = PROGRESS_PATH.sub("/p/…", text)
    return TOKEN.sub("…", text)


class ScrubPersonalData(logging.Filter):
    """Installed on every handler (settings.LOGGING, the Celery worker's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._scrub(record)
        except Exception:  # a record whose arguments do not fit: drop it
            return False
        return True

    def _scrub(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)


def scrub_handlers(logger: logging.Logger) -> None:
    """Put the filter on a logger's handlers that lack it (Celery makes its own)."""
    for handler in logger.handlers:
        if not any(isinstance(f, ScrubPersonalData) for f in handler.filters):
            handler.addFilter(ScrubPersonalData())
