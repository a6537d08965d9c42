"""Page forms of follow-ups: they parse; the services decide."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.bounded_inputs import validate_plausible_instant
from outlets.errors import DomainError

from .models import (
    NOTE_LENGTH,
    FollowUpChannel,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpState,
)

CONTROL = {"class": "form-control"}
# One tap moves a follow-up to the next morning or a week on, at 10:00.
MORNING = time(10, 0)
WHEN = {"tomorrow": 1, "next_week": 7}


def _instant_field(label, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        validators=[validate_plausible_instant],
        widget=forms.DateTimeInput(
            attrs={**CONTROL, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


def _note_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={**CONTROL, "rows": 2}),
    )


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUpOutcome.choices)
    result_note = _note_field(_("What was said"))


class RescheduleForm(forms.Form):
    when = forms.ChoiceField(
        required=False,
        choices=[("tomorrow", _("Tomorrow")), ("next_week", _("Next week"))],
    )
    due_at = _instant_field(_("New time"), required=False)
    result_note = _note_field(_("Why"))
    outcome = forms.ChoiceField(
        required=False, choices=[("", "—"), *FollowUpOutcome.choices]
    )

    def due(self, now: datetime) -> datetime | None:
        """The chosen time: a quick choice counts from today's local date."""
        when = self.cleaned_data.get("when")
        if when:
            day = timezone.localdate(now) + timedelta(days=WHEN[when])
            return timezone.make_aware(datetime.combine(day, MORNING))
        return self.cleaned_data.get("due_at")

    def clean(self):
        data = super().clean()
        if not data.get("when") and not data.get("due_at"):
            self.add_error("due_at", _("Choose when to try again."))
        return data


class DeclineForm(forms.Form):
    result_note = _note_field(_("Why not"))


class ReassignForm(forms.Form):
    owner = forms.IntegerField()


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=FollowUpKind.choices,
        initial=FollowUpKind.MANUAL,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    due_at = _instant_field(_("Due at"))
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("The customer's preferred")), *FollowUpChannel.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = _note_field(_("What to do and why"))


class ListFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any")), *FollowUpState.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any")), *FollowUpKind.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    owner = forms.TypedChoiceField(
        label=_("Owner"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    due_after = _instant_field(_("Due from"), required=False)
    due_before = _instant_field(_("Due before"), required=False)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", _("Anyone")),
            *((o.pk, o.display_name) for o in owners),
        ]


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """A refused step beside the inputs at fault, or above the form."""
    placed = False
    for field, reasons in error.fields.items():
        if field in form.fields:
            for reason in reasons:
                form.add_error(field, str(reason))
            placed = True
    if not placed:
        form.add_error(None, str(error.message))
