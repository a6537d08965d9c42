"""English: ISO first for the browser's inputs (Django's own puts seconds and a
space in date-times), then Django's usual forms."""

from django.conf.locale.en.formats import (
    DATE_INPUT_FORMATS as _DJANGO_DATE_INPUT_FORMATS,
)
from django.conf.locale.en.formats import (
    DATETIME_INPUT_FORMATS as _DJANGO_DATETIME_INPUT_FORMATS,
)

DATE_INPUT_FORMATS = _DJANGO_DATE_INPUT_FORMATS  # already ISO first

TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]

DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",  # what <input type="datetime-local"> sends and shows
    "%Y-%m-%dT%H:%M:%S",
    *_DJANGO_DATETIME_INPUT_FORMATS,
]
