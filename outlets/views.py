from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .access import Capability, may

# Where a day starts, first match wins: the clock board for those who watch it,
# the pickup board for those who take pickups, the customers for the rest.
HOME_BY_CAPABILITY = [
    (Capability.SEE_CLOCK_BOARD, "clocks:board"),
    (Capability.TAKE_PICKUP, "shipments:courier-pickups"),
]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands where its day starts."""
    for capability, page in HOME_BY_CAPABILITY:
        if may(request.user, capability):
            return redirect(page)
    return redirect("customers:list")
