from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lib.bounded_inputs import validate_plausible_day
from outlets.models import Weekday

from .models import NOTE_LENGTH, CustomerHabits


class ErrorsInWords:
    """Form errors as one line per field, named by its label, for a message."""

    def errors_in_words(self: forms.Form) -> str:
        lines = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = field.label if field is not None else gettext("Form")
            lines.append(
                gettext("%(field)s: %(errors)s")
                % {"field": label, "errors": " ".join(errors)}
            )
        return "; ".join(lines)


class NoteForm(ErrorsInWords, forms.Form):
    noted_on = forms.DateField(
        label=_("Date of the note"),
        initial=timezone.localdate,
        validators=[validate_plausible_day],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    text = forms.CharField(
        label=_("Note"),
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


PACKAGING_LENGTH = CustomerHabits._meta.get_field("packaging_preference").max_length


class HabitsForm(ErrorsInWords, forms.Form):
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
        label=_("Packaging preference"), max_length=PACKAGING_LENGTH, required=False
    )
