"""Reading a request's input through a serializer, the one way every endpoint does."""

from typing import Any

from rest_framework.request import Request
from rest_framework.serializers import BaseSerializer


def valid_input(
    serializer_class: type[BaseSerializer], request: Request, *, partial: bool = False
) -> dict[str, Any]:
    """The request's data, validated by ``serializer_class``, as a plain dict.

    Invalid input raises DRF's ValidationError, which the API's error handler
    answers with a 400 naming each field at fault.
    """
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
