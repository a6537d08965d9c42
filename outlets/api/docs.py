"""Swagger UI; who may open it and the schema is ``permissions.DocsAccess``."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions

NOT_LOGGED_IN = exceptions.NotAuthenticated | exceptions.AuthenticationFailed


class SwaggerPage(SpectacularSwaggerSplitView):
    """Swagger UI with its script in a file of its own (no inline script for
    the Content-Security-Policy); a browser without a login goes to log in."""

    template_name = "api/swagger_ui.html"

    def handle_exception(self, exc):
        if isinstance(
            exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed
        ):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
