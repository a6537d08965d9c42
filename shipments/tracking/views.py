"""The customer's progress board (物流进度看板): public, by a long random token.

No login: the token is the key. A token that is unknown or revoked gets the
same 404, byte for byte, so the page says nothing about which tokens exist.
The board is kept out of search engines and never leaks its URL as a referrer.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers.models import Customer
from customers.services import live_links, progress_link_rotate, progress_url
from outlets.access import Capability, requires, visible
from outlets.requests import StaffRequest

from .selectors import progress_board

PRIVATE_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
}


@require_GET
def board(request: HttpRequest, token: str) -> HttpResponse:
    # The outlet and account manager too: a loyal customer's board shows them.
    link = live_links(timezone.now()).select_related(
        "customer__outlet", "customer__account_manager"
    )
    link = link.filter(token=token)
    link = link.first()
    if link is None:
        return _not_found()
    customer = link.customer
    language = _language(request, customer)
    with translation.override(language):
        response = render(
            request,
            "shipments/progress/board.html",
            {
                "customer": customer,
                "board": progress_board(customer, now=timezone.now()),
                "language": language,
                "languages": settings.LANGUAGES,
            },
        )
        response["Content-Language"] = language
    return _private(response)


def _language(request: HttpRequest, customer: Customer) -> str:
    """The customer's language, unless they chose the other one with ``?lang=``."""
    codes = [code for code, _name in settings.LANGUAGES]
    chosen = request.GET.get("lang")
    if chosen in codes:
        return chosen
    return customer.language if customer.language in codes else codes[0]


def _not_found() -> HttpResponse:
    # Rendered without the request: nothing of the asked-for token, the session
    # or a CSRF token can make two of these answers differ.
    return _private(
        HttpResponseNotFound(render_to_string("shipments/progress/not_found.html"))
    )


def _private(response: HttpResponse) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


@requires(Capability.ROTATE_PROGRESS_LINK)
@require_POST
def rotate(request: StaffRequest, customer_id: int) -> HttpResponse:
    """Revoke a customer's board link and issue a new one (office staff)."""
    customer = get_object_or_404(
        visible(request.user, Customer.objects.all()), pk=customer_id
    )
    link = progress_link_rotate(customer=customer, now=timezone.now())
    messages.success(
        request,
        _(
            "New progress board link for %(customer)s: %(url)s. The old link no "
            "longer works."
        )
        % {"customer": customer, "url": progress_url(link.token)},
    )
    return redirect(_next(request) or reverse("customers:detail", args=[customer.pk]))


def _next(request: HttpRequest) -> str | None:
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None
