"""The dashboard's and the risk list's filters. Lenient fields: the month and
the outlet are read by ``queries.kpi_query``, whose refusals the form shows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from outlets.access import visible
from outlets.models import Outlet, Role, Staff

from .models import ChurnReason


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), name
    return field


class KpiFilterForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "month", "class": "form-control", "placeholder": "YYYY-MM"}
        ),
    )
    outlet = forms.CharField(label=_("Outlet"), required=False, max_length=20)

    def __init__(self, user: Staff, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user.is_hq or user.is_superuser:
            outlets = visible(user, Outlet.objects.order_by("code"))
            self.fields["outlet"].widget = forms.Select(
                choices=[
                    ("", _("The whole network")),
                    *((o.pk, o.name) for o in outlets),
                ],
                attrs={"class": "form-select"},
            )
        else:
            self.fields["outlet"].widget = forms.HiddenInput()


class ChurnFilterForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[("", _("Any reason")), *ChurnReason.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    account_manager = forms.TypedChoiceField(
        label=_("Account manager"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    outlet = forms.TypedChoiceField(
        label=_("Outlet"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, user: Staff, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user.is_hq or user.is_superuser:
            outlets = visible(user, Outlet.objects.order_by("code"))
            _choice_field(self, "outlet").choices = [
                ("", _("The whole network")),
                *((o.pk, o.name) for o in outlets),
            ]
        else:
            del self.fields["outlet"]
        managers = visible(user, Staff.objects.filter(role=Role.ACCOUNT_MANAGER))
        if user.role == Role.ACCOUNT_MANAGER:
            managers = managers.filter(pk=user.pk)
        _choice_field(self, "account_manager").choices = [
            ("", _("Everyone")),
            *((s.pk, s.display_name) for s in managers.order_by("first_name", "pk")),
        ]
