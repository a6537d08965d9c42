"""Error answers (config/urls.py): the API's shape under /api/, pages elsewhere.

The page templates (templates/400.html, 403.html, 404.html) use the site's
layout; 500.html stands alone and is rendered without the request, because
whatever failed (the database, the session) may fail again.
"""

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from .api.errors import error_response, is_api


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_response(request, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_response(request, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_response(request, 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return error_response(request, 500)
    return defaults.server_error(request)
