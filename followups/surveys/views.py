"""The staff's page of survey answers: NPS of the filtered answers and the
answers themselves, newest first. Glue: a form parses, selectors read."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from outlets.access import Capability, requires
from outlets.requests import StaffRequest

from .forms import SurveyFilterForm
from .selectors import answered, nps_counts, surveys_filtered, surveys_for

PAGE = 50


@requires(Capability.SEE_SURVEYS_AND_REFERRALS)
def answers(request: StaffRequest) -> HttpResponse:
    form = SurveyFilterForm(request.GET or None, user=request.user)
    surveys = surveys_for(request.user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        surveys = surveys_filtered(
            surveys,
            outlet_id=form.chosen("outlet"),
            account_manager_id=form.chosen("account_manager"),
            reason=data["reason"] or None,
            group=data["group"] or None,
            month=data["month"],
        )
    elif form.is_bound:
        surveys = surveys.none()
    page = Paginator(answered(surveys).order_by("-answered_at", "-pk"), PAGE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "counts": nps_counts(surveys), "page": page}
    return render(request, "followups/survey_answers.html", context)
