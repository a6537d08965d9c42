from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outlets.access import Capability, requires
from outlets.errors import DomainError
from outlets.requests import StaffRequest

from .forms import CarePlanRuleForm, OutletChoiceForm
from .rules import care_plan_rule_reset, care_plan_rule_save
from .selectors import care_plan_rules_for, effective_rules


@requires(Capability.EDIT_CARE_PLANS)
def care_plan(request: StaffRequest) -> HttpResponse:
    user = request.user
    choice = OutletChoiceForm(user, request.GET or None)
    outlet_id = choice.outlet_id() if user.is_hq else user.outlet_id
    form = CarePlanRuleForm(user, request.POST or None, initial={"outlet": outlet_id})
    if request.method == "POST" and form.is_valid():
        try:
            rule = care_plan_rule_save(by=user, **form.service_arguments())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request, _("Care-plan rule saved. Tonight's plan follows it.")
            )
            return redirect(_plan_url(rule.outlet_id if user.is_hq else None))
    return render(
        request,
        "followups/plans.html",
        {
            "form": form,
            "outlet_form": choice,
            "outlet_id": outlet_id,
            "rules": effective_rules(user, outlet_id=outlet_id),
        },
    )


@requires(Capability.EDIT_CARE_PLANS)
@require_POST
def care_plan_reset(request: StaffRequest, pk: int) -> HttpResponse:
    rules = care_plan_rules_for(request.user).filter(pk=pk, outlet__isnull=False)
    rule = rules.first()
    if rule is None:
        raise Http404
    try:
        care_plan_rule_reset(by=request.user, rule=rule)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The network default applies again."))
    return redirect(_plan_url(rule.outlet_id if request.user.is_hq else None))


def _plan_url(outlet_id: int | None) -> str:
    url = reverse("followups:care_plans:plan")
    return f"{url}?{urlencode({'outlet': outlet_id})}" if outlet_id else url
