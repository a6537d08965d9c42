"""The customer's survey page: ``/s/<token>/``, no login, on the phone.

The token rules are the progress board's: a long random token is the key; an
unknown, expired or foreign token (a progress link's, say) gets the same 404,
byte for byte, rendered without the request. Chinese unless the phone asks for
English (Accept-Language), or the customer picks the other language.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_http_methods

from customers.models import Customer
from outlets.errors import DomainError, StateConflict, show_on_form

from .forms import SCORES, AnswerForm
from .models import Survey
from .selectors import survey_by_token
from .services import survey_answer

# The link's token never leaves as a referrer for another site; our own form
# post keeps its Origin (under "no-referrer" a browser sends "null", which the
# CSRF check refuses).
PRIVATE_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "private, no-store",
}


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    survey = survey_by_token(token, now=now)
    if survey is None:
        return not_found()
    language = page_language(request, survey.customer)
    with translation.override(language):
        if request.method == "GET":
            response = _show(request, survey, AnswerForm(), language)
        else:
            response = _answer(request, survey, language, now)
        response["Content-Language"] = language
    return _private(response)


def _show(request: HttpRequest, survey: Survey, form: AnswerForm, language: str):
    if survey.is_answered:
        return _done(request, survey, language)
    return _page(request, survey, form, language, status=200)


def _answer(request: HttpRequest, survey: Survey, language: str, now):
    form = AnswerForm(request.POST)
    form.is_valid()
    try:
        survey_answer(
            survey=survey,
            score=form.data.get("score"),
            comment=form.data.get("comment", ""),
            language=language,
            now=now,
        )
    except StateConflict as error:
        survey.refresh_from_db()
        return _done(request, survey, language, refused=error.message, status=409)
    except DomainError as error:
        show_on_form(form, error)
        return _page(request, survey, form, language, status=400)
    # A reload of the thank-you page must not post the answer again.
    return redirect(request.get_full_path())


def _page(request, survey: Survey, form: AnswerForm, language: str, *, status: int):
    context = {
        "survey": survey,
        "form": form,
        "scores": SCORES,
        "chosen": form.chosen(),
        **_languages(language),
    }
    return render(request, "followups/survey.html", context, status=status)


def _done(request, survey: Survey, language: str, *, refused=None, status=200):
    context = {"survey": survey, "refused": refused, **_languages(language)}
    return render(request, "followups/survey_done.html", context, status=status)


def _languages(language: str) -> dict:
    return {"language": language, "languages": settings.LANGUAGES}


def page_language(request: HttpRequest, customer: Customer) -> str:
    """``?lang=`` if it names one of ours, else the phone's first language we
    speak (Accept-Language), else the customer's, else Chinese."""
    codes = [code for code, _name in settings.LANGUAGES]
    chosen = request.GET.get("lang")
    if chosen in codes:
        return chosen
    header = request.headers.get("Accept-Language", "")
    for code, _quality in parse_accept_lang_header(header[:500]):
        if code == "*":
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return customer.language if customer.language in codes else settings.LANGUAGE_CODE


def not_found() -> HttpResponse:
    # Rendered without the request, in both languages: nothing of the token,
    # the session, a CSRF token or the phone's language makes two answers differ.
    body = render_to_string("followups/survey_not_found.html")
    return _private(HttpResponseNotFound(body))


def _private(response: HttpResponse) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response
