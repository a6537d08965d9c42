"""One error shape for the whole API.

Every error answers ``{"error": {"code", "message", "fields"}}`` where ``fields``
maps each offending field to its reasons, so a client can show them beside the
input. Domain rule violations raised by services (``DomainError``) answer 400 (or
409 for a conflicting state) in the same shape.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from outlets.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        exc = _as_api_exception(exc)
    elif isinstance(exc, ModelValidationError):
        # A model's full_clean() refusing a value is bad input, not a crash.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"error": _shape(exc, response.data)}
    return response


def _as_api_exception(exc: DomainError) -> exceptions.APIException:
    api_exc = exceptions.APIException(detail=exc.fields or exc.message)
    api_exc.status_code = exc.status
    api_exc.default_code = exc.code
    api_exc.domain_error = exc
    return api_exc


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
