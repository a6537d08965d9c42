from rest_framework.permissions import SAFE_METHODS, BasePermission

from outlets.models import Role


class IsActiveStaff(BasePermission):
    """Any logged-in staff member; what they see is narrowed by outlets.access."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role)


class CustomerWriters(IsActiveStaff):
    """Couriers read the customers of their pickups; the office writes."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or request.user.role != Role.COURIER
