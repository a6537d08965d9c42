"""One error shape for the whole API, for every status.

Every error answers ``{"error": {"code", "message", "fields"}}`` where ``fields``
maps each offending field to its reasons, so a client can show them beside the
input. Messages follow the request's language. Domain rule violations raised by
services (``DomainError``) answer 400 (or 409 for a conflicting state) in the
same shape.

Three paths lead here:
1. An exception in an API view: ``exception_handler`` (DRF's hook). An
   exception nobody expected is a 500 in the shape, logged with its traceback
   (and, being a 500, rolled back by ``lib.atomic_writes``).
2. An error Django answers before or outside a view (an unknown URL, a bad
   host): ``error_response``, called by the handlers in ``config/urls.py``.
3. Anything else under ``/api/`` that still answers an error page (Django's
   debug pages when DEBUG is on): ``ApiErrorShapeMiddleware`` reshapes it.
"""

import json
from collections.abc import Callable

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as ModelValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from outlets.errors import DomainError

API_PREFIX = "/api/"

# Errors Django itself answers (no DRF view ran): code and message per status.
STATUS_ERRORS = {
    400: ("bad_request", gettext_lazy("The request is not valid.")),
    403: (
        "permission_denied",
        gettext_lazy("You do not have permission to perform this action."),
    ),
    404: ("not_found", gettext_lazy("Not found.")),
    405: ("method_not_allowed", gettext_lazy("This method is not allowed here.")),
    413: ("too_large", gettext_lazy("The request is too large.")),
    500: (
        "server_error",
        gettext_lazy(
            "Something went wrong on our side and nothing was saved. "
            "Please try again later."
        ),
    ),
}
OTHER_ERROR = ("error", gettext_lazy("The request could not be completed."))


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def body(code: str, message, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


# --- 1. Exceptions in API views -------------------------------------------------


def exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return _server_error(exc, context["request"])
    response.data = {"error": _shape(exc, response.data)}
    return response


def _as_api_exception(exc: Exception) -> Exception:
    """The API exception that answers ``exc``; unexpected ones come back as is."""
    if isinstance(exc, DomainError):
        return _from_domain(exc)
    if isinstance(exc, ModelValidationError):
        # A model's full_clean() refusing a value is bad input, not a crash.
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, exceptions.ParseError):
        # The parser's own text is English and quotes the body: say it plainly.
        return exceptions.ParseError(_("The request body is not valid JSON."))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, SuspiciousOperation):
        status = 413 if isinstance(exc, RequestDataTooBig) else 400
        return _status_exception(status)
    return exc


class DomainAPIException(exceptions.APIException):
    """An API error that keeps the domain error it was made from."""

    domain_error: DomainError


def _from_domain(exc: DomainError) -> exceptions.APIException:
    api_exc = DomainAPIException(detail=exc.fields or exc.message)
    api_exc.status_code = exc.status
    api_exc.default_code = exc.code
    api_exc.domain_error = exc
    return api_exc


def _status_exception(status: int) -> exceptions.APIException:
    code, message = STATUS_ERRORS.get(status, OTHER_ERROR)
    api_exc = exceptions.APIException(detail=str(message), code=code)
    api_exc.status_code = status
    return api_exc


def _server_error(exc: Exception, request) -> Response:
    """A 500 in the shape: traceback logged, never answered.

    Django's own path for an uncaught exception is followed:
    ``got_request_exception`` is sent (error reporters listen to it; the test
    client re-raises from it) and the 500 rolls the request's writes back
    (``lib.atomic_writes``).
    """
    django_request = getattr(request, "_request", request)
    got_request_exception.send(sender=None, request=django_request)
    code, message = STATUS_ERRORS[500]
    response = Response(body(code, message), status=500)
    log_response(
        "Internal Server Error: %s",
        django_request.path,
        response=response,
        request=django_request,
        exception=exc,
    )
    return response


def _shape(exc, data) -> dict:
    domain = getattr(exc, "domain_error", None)
    if domain is not None:
        return {
            "code": domain.code,
            "message": str(domain.message),
            "fields": _strings(domain.fields),
        }
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        return {
            "code": "invalid",
            "message": _("The input is not valid."),
            "fields": _strings(fields),
        }
    detail = data.get("detail", "") if isinstance(data, dict) else data
    return {
        "code": getattr(detail, "code", "error"),
        "message": str(detail),
        "fields": {},
    }


def _strings(value):
    if isinstance(value, dict):
        return {key: _strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strings(item) for item in value]
    return str(value)


# --- 2. and 3. Errors answered outside an API view --------------------------------


def error_response(request: HttpRequest, status: int) -> HttpResponse:
    """The shape for ``status``, in the request's language, built from nothing
    that could have failed (no database, no session, no template)."""
    code, message = STATUS_ERRORS.get(status, OTHER_ERROR)
    language = getattr(request, "LANGUAGE_CODE", None) or (
        translation.get_language_from_request(request)
    )
    with translation.override(language):
        content = json.dumps(body(code, message), ensure_ascii=False)
    response = HttpResponse(
        content, status=status, content_type="application/json; charset=utf-8"
    )
    response["Content-Language"] = language
    return response


class ApiErrorShapeMiddleware:
    """Outermost: an error under /api/ that is not in the shape gets the shape.

    With DEBUG on, Django answers an unknown URL or a crash outside a view with
    its debug page (the traceback is still logged); API clients get the shape.
    """

    KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not is_api(request) or _shaped(response):
            return response
        shaped = error_response(request, response.status_code)
        for header in self.KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped


def _shaped(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return isinstance(response, Response) or content_type.startswith("application/json")
