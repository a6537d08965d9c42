"""Form input formats per language (``FORMAT_MODULE_PATH``).

The first of each ``*_INPUT_FORMATS`` is how a form renders a value into its
input, and ``<input type="date|time|datetime-local">`` takes ISO values only,
whatever the page's language: a date rendered as ``2026/12/02`` shows empty and
the browser refuses to submit the form. So ISO comes first in every language;
the localized forms follow and are still accepted when typed or posted.
Display formats (``DATE_FORMAT`` and the like) stay Django's.
"""
