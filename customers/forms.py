from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outlets.models import Weekday


class NoteForm(forms.Form):
    noted_on = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class HabitsForm(forms.Form):
    pickup_window_start = forms.TimeField(
        label=_("Preferred pickup from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    pickup_window_end = forms.TimeField(
        label=_("Preferred pickup until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    days_unavailable = forms.TypedMultipleChoiceField(
        label=_("Days not available"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    prefers_parcel_locker = forms.BooleanField(
        label=_("Prefers the parcel locker"), required=False
    )
    packaging_preference = forms.CharField(
        label=_("Packaging preference"), max_length=200, required=False
    )
