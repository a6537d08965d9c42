from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .models import Role

HOME_BY_ROLE = {
    Role.COURIER: "shipments:courier-pickups",
    Role.ACCOUNT_MANAGER: "customers:list",
    Role.OUTLET_MANAGER: "followups:board",
    Role.HQ_ADMIN: "followups:board",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands where its day starts."""
    return redirect(HOME_BY_ROLE.get(request.user.role, "customers:list"))
