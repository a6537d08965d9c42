"""API tokens: the authentication class and the endpoints a person uses.

``POST /api/v1/auth/token/`` trades a username and password for a token (a
login door, so django-axes throttles it like the login page);
``/api/v1/me/token/`` shows (GET), replaces (POST) and revokes (DELETE) the
caller's own token. The writes are ``outlets.services``.
"""

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from outlets.models import ApiToken
from outlets.services import api_token_issue, api_token_revoke


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Shown once; only its hash is kept."))
    expiry = serializers.DateTimeField()


class TokenStatusSerializer(serializers.Serializer):
    token_key = serializers.CharField(
        allow_null=True, help_text=_("The first characters, to recognise it.")
    )
    created = serializers.DateTimeField(allow_null=True)
    expiry = serializers.DateTimeField(allow_null=True)


def issued(staff) -> Response:
    token, key = api_token_issue(staff=staff, now=timezone.now())
    data = IssuedTokenSerializer({"token": key, "expiry": token.expiry}).data
    return Response(data, status=status.HTTP_201_CREATED)


class TokenLoginView(APIView):
    """Username and password for a token; a wrong pair counts toward lock-out."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request) -> str:
        # A wrong pair is a 401 that says how to authenticate, not a 403.
        return "Token"

    @extend_schema(
        request=CredentialsSerializer, responses={201: IssuedTokenSerializer}
    )
    def post(self, request):
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # The Django request: django-axes marks a lock-out on it.
        staff = authenticate(request._request, **credentials.validated_data)
        if staff is None or not staff.role:
            raise exceptions.AuthenticationFailed(_("Wrong username or password."))
        return issued(staff)


class MyTokenView(APIView):
    """The caller's own token: never anyone else's."""

    @extend_schema(responses=TokenStatusSerializer)
    def get(self, request):
        token = ApiToken.objects.filter(user=request.user).first()
        fields = ("token_key", "created", "expiry")
        data = {name: getattr(token, name) if token else None for name in fields}
        if token:
            data["token_key"] = token.token_key[:4]
        return Response(TokenStatusSerializer(data).data)

    @extend_schema(request=None, responses={201: IssuedTokenSerializer})
    def post(self, request):
        return issued(request.user)

    @extend_schema(responses={204: None})
    def delete(self, request):
        api_token_revoke(staff=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
