from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoteForm(forms.Form):
    noted_on = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))
