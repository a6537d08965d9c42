"""One transaction per writing request, so a failed request leaves no row behind.

Django's ``ATOMIC_REQUESTS`` would do this for every request; reads (GET, HEAD)
need no transaction, and holding one open while a page renders would cost every
page two round trips and, on SQLite, the write lock. So only unsafe methods are
wrapped, and the rule is the response's: an error answer (4xx or 5xx) rolls back
everything the view wrote, as DRF does under ``ATOMIC_REQUESTS``; any other
answer commits. A view marked ``transaction.non_atomic_requests`` (a login,
whose failure record must outlive its error answer) is left alone. Messages
written to the outbox in the request are enqueued
(``on_commit``) only once it commits, and never for a rolled-back request.
Services keep their own ``transaction.atomic``: inside a request it is a
savepoint, so a bulk ingest still handles each item on its own.
"""

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class AtomicWritesMiddleware:
    """Last in MIDDLEWARE: wraps the view, not the session or message storage."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS or _opted_out(request):
            return self.get_response(request)
        with transaction.atomic():
            # An exception in the view is already a 500 response here.
            response = self.get_response(request)
            if response.status_code >= 400:
                transaction.set_rollback(True)
        return response


def _opted_out(request: HttpRequest) -> bool:
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    return DEFAULT_DB_ALIAS in getattr(view, "_non_atomic_requests", ())
