"""``Cache-Control: no-store`` for answers that may hold personal data.

A page or API answer for a logged-in person, or one under a path listed in
``NO_STORE_PATH_PREFIXES`` (the API, the customer's progress board, whose
token is the only key), must not be kept by the browser's history cache, a
shared computer or a proxy. Static files never get here (whitenoise answers
them first) and keep their long caching.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """After AuthenticationMiddleware, so it knows who asked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _may_hold_personal_data(request):
            patch_cache_control(response, no_store=True, private=True)
        return response


def _may_hold_personal_data(request: HttpRequest) -> bool:
    if request.path.startswith(tuple(settings.NO_STORE_PATH_PREFIXES)):
        return True
    # An API view authenticated by token sets the user after the middleware
    # ran; DRF copies it onto the request, so it is known here.
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
