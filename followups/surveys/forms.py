"""The one-question survey's form: it carries the inputs; the service checks
them (``survey_answer``), so the page and any other caller refuse alike."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lib.months import parse_month
from outlets.access import Capability, may, role_of, visible
from outlets.models import Outlet, Role, Staff

from .models import COMMENT_LENGTH, MAX_SCORE, MIN_SCORE, NpsGroup, SurveyReason

SCORES = [(str(n), str(n)) for n in range(MIN_SCORE, MAX_SCORE + 1)]


def _choices(form: forms.Form, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField), name
    return field


class AnswerForm(forms.Form):
    score = forms.CharField(label=_("Your score"), required=False)
    comment = forms.CharField(
        label=_("What is the main reason for your score? (optional)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_LENGTH}),
    )

    def chosen(self) -> str:
        return str(self.data.get("score", "")) if self.is_bound else ""


def month_field(label) -> forms.CharField:
    """``YYYY-MM`` (a browser's month input), checked by ``clean_month``."""
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control", "type": "month", "placeholder": "2026-01"}
        ),
    )


def clean_month_text(text: str):
    if not text:
        return None
    month = parse_month(text)
    if month is None:
        raise forms.ValidationError(MONTH_MESSAGE)
    return month


MONTH_MESSAGE = _("Give a month as YYYY-MM, 2000 to 2099.")


class StaffFilterForm(forms.Form):
    """Outlet (HQ only) and account manager (managers and HQ) filters."""

    outlet = forms.ModelChoiceField(
        label=_("Outlet"), queryset=Outlet.objects.none(), required=False
    )
    account_manager = forms.ModelChoiceField(
        label=_("Account manager"), queryset=Staff.objects.none(), required=False
    )

    def __init__(self, *args, user: Staff, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select")
        if role_of(user) == Role.HQ_ADMIN:
            _choices(self, "outlet").queryset = Outlet.objects.order_by("code")
        else:
            del self.fields["outlet"]
        if may(user, Capability.MANAGE_FOLLOW_UPS):
            _choices(self, "account_manager").queryset = visible(
                user, Staff.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True)
            ).order_by("first_name", "username")
        else:
            del self.fields["account_manager"]

    def chosen(self, name: str) -> int | None:
        value = self.cleaned_data.get(name) if self.is_valid() else None
        return value.pk if value is not None else None


class SurveyFilterForm(StaffFilterForm):
    group = forms.ChoiceField(
        label=_("Answer"), choices=[("", "—"), *NpsGroup.choices], required=False
    )
    reason = forms.ChoiceField(
        label=_("Sent after"),
        choices=[("", "—"), *SurveyReason.choices],
        required=False,
    )
    month = month_field(_("Month sent"))

    def clean_month(self):
        return clean_month_text(self.cleaned_data["month"])
