"""The customer list's search, kept out of the URL.

A search box takes phone numbers, and a URL ends up in browser history,
proxy logs and the Referer header. The list's form is posted; the search
text is kept in the session and the list (and its export links) carry only
``saved=1``. The other filters (tier, need, ...) stay in the URL, so a
filtered list can still be bookmarked.
"""

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.http import urlencode

SESSION_KEY = "customer_search"
SAVED = "saved"
SEARCH = "q"


def search_save(request: HttpRequest) -> str:
    """Keep the posted search in the session; the list URL that shows it."""
    params = {
        key: request.POST.getlist(key)
        for key in request.POST
        if key not in (SEARCH, "csrfmiddlewaretoken", "page")
    }
    text = request.POST.get(SEARCH, "").strip()
    request.session[SESSION_KEY] = text
    if text:
        params[SAVED] = ["1"]
    query = urlencode(params, doseq=True)
    return reverse("customers:list") + (f"?{query}" if query else "")


def filter_data(request: HttpRequest) -> QueryDict:
    """The list's filters: the URL's, plus the saved search when it says so.

    A search typed into a URL by hand (``?q=``) still works; the page never
    writes one.
    """
    data = request.GET.copy()
    if SAVED in data and SEARCH not in data:
        data[SEARCH] = request.session.get(SESSION_KEY, "")
    return data
