"""Error answers (config/urls.py): the API's shape under /api/, pages elsewhere.

The page templates (templates/400.html, 403.html, 404.html) use the site's
layout; 500.html stands alone and is rendered without the request, because
whatever failed (the database, the session) may fail again.
"""

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

from .api.errors import error_response, is_api


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_response(request, 400)
    return standalone_page(request, "400.html", 400)


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
    return standalone_page(request, "500.html", 500)


def standalone_page(request: HttpRequest, template_name: str, status: int):
    """Like Django's default 400 and 500 views, with the CSP nonce: the page's
    inline style and script run only with it. Nothing else from the request."""
    nonce = getattr(request, "csp_nonce", None)
    context = {"csp_nonce": str(nonce) if nonce is not None else ""}
    content = loader.get_template(template_name).render(context)
    return HttpResponse(content, status=status)
