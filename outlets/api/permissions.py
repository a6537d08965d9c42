from django.conf import settings
from rest_framework.permissions import BasePermission


class IsActiveStaff(BasePermission):
    """Any logged-in staff member; what they see is narrowed by outlets.access."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role)


class DocsAccess(IsActiveStaff):
    """The OpenAPI schema and Swagger UI (SPECTACULAR_SETTINGS'
    SERVE_PERMISSIONS): logged-in staff, unless ``API_DOCS_PUBLIC`` opens them
    on purpose; the schema names every endpoint and field with customers' data."""

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or super().has_permission(request, view)
