from rest_framework.permissions import BasePermission


class IsActiveStaff(BasePermission):
    """Any logged-in staff member; what they see is narrowed by outlets.access."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role)
