"""The API's token authentication (REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from outlets.models import ApiToken
from outlets.services import api_token_is_current


class StaffTokenAuthentication(TokenAuthentication):
    """knox's hashed, expiring tokens, refused once the password changed."""

    def validate_user(self, auth_token: ApiToken):
        user, token = super().validate_user(auth_token)
        if not api_token_is_current(token):
            raise exceptions.AuthenticationFailed(
                _("The password changed after this token was issued: get a new one.")
            )
        return user, token


class StaffTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token: ``Authorization: Token …``."""

    target_class = StaffTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )
