"""Forms of the cold-chain pages: parse input; the services decide the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import TEXT_LENGTH


class HandleForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=TEXT_LENGTH,
        help_text=_("For example: called the driver, the door is closed again."),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
