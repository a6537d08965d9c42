"""Whether a text carries something a phone turns into a tappable link.

Free text from staff to a customer must never be a way to send the customer
somewhere else: problem notices and campaigns ask it alike.
"""

import re
import unicodedata

# A scheme, "www.", a bare IP address, or a host name ending in a country code
# or a common TLD. ASCII-only boundaries, so "请访问evil.cn" is caught: a
# Chinese character is a word character to ``\w``. Emails are not links here.
_TLDS = (
    "com|net|org|info|biz|xyz|top|site|online|app|shop|club|vip|live|link|"
    "click|store|tech|ltd|wang|ren|work|life|fun|icu|asia|mobi|name|pro"
)
_LINK = re.compile(
    r"[a-z][a-z0-9+.-]*://\S*"
    r"|(?<![a-z0-9@.-])www\.\S*"
    r"|(?<![a-z0-9.])\d{1,3}(?:\.\d{1,3}){3}(?![0-9])"
    r"|(?<![a-z0-9@.-])(?:[a-z0-9-]*[a-z][a-z0-9-]*\.)+"
    rf"(?:[a-z]{{2}}|{_TLDS})(?![a-z0-9-])(?:[/?#:]\S*)?",
    re.IGNORECASE,
)


def find_link(text: str) -> str | None:
    """The first link in ``text`` (at most 60 characters of it), or None."""
    # NFKC first: full-width "ｈｔｔｐｓ：／／" and "．" are links on a phone too.
    found = _LINK.search(unicodedata.normalize("NFKC", text))
    return found.group()[:60] if found else None
