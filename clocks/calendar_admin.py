"""The admin page that loads a year's arrangement pasted as text.

Same parser and service as ``load_china_calendar --file``: the page is glue.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib.bounds import FIRST_DAY, LAST_DAY

from .calendar_text import ArrangementError, parse_arrangement
from .holiday_calendar import calendar_year_load, missing_calendar_years
from .models import CalendarSource

# A year is about ten lines; far more is a paste of something else.
TEXT_LENGTH = 10_000


class ArrangementForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=FIRST_DAY.year, max_value=LAST_DAY.year
    )
    text = forms.CharField(
        label=gettext_lazy("Arrangement"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 60}),
        help_text=gettext_lazy(
            "One line per range of days off or make-up working day: "
            "'2027-02-05..2027-02-11 春节', 'workday 2027-02-14 春节'."
        ),
    )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if "year" in data and "text" in data:
            try:
                data["days"] = parse_arrangement(data["text"], year=data["year"])
            except ArrangementError as error:
                self.add_error("text", error.problems)
        return data


if TYPE_CHECKING:
    _ModelAdminBase = admin.ModelAdmin[Any]  # the mixin sits in front of one
else:
    _ModelAdminBase = object


class ArrangementLoadAdmin(_ModelAdminBase):
    """Adds ``load/`` to a CalendarDay admin; only who may add and change days."""

    def get_urls(self) -> list[URLPattern]:
        load = path(
            "load/",
            self.admin_site.admin_view(self.load_view),
            name="clocks_calendarday_load",
        )
        return [load, *super().get_urls()]

    def load_view(self, request: HttpRequest) -> HttpResponse:
        if not (
            self.has_add_permission(request) and self.has_change_permission(request)
        ):
            raise PermissionDenied
        form = ArrangementForm(request.POST or None, initial=self._initial(request))
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data["year"]
            changed = calendar_year_load(
                year=year,
                days=form.cleaned_data["days"],
                source=CalendarSource.TEXT,
                now=timezone.now(),
            )
            self.message_user(request, _loaded(year, changed), messages.SUCCESS)
            return redirect("admin:clocks_calendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Load a year's arrangement"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request, "admin/clocks/calendarday/load_arrangement.html", context
        )

    @staticmethod
    def _initial(request: HttpRequest) -> dict:
        year = request.GET.get("year", "")
        if year.isdigit():
            return {"year": int(year)}
        missing = missing_calendar_years(now=timezone.now())
        return {"year": missing[0]} if missing else {}


def _loaded(year: int, changed: int) -> str:
    return _(
        "The %(year)d arrangement is loaded (%(changed)d days new or changed); "
        "clocks started from now on use it."
    ) % {"year": year, "changed": changed}
