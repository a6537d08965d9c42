"""Every page shows a service's refusal one way: ``outlets.errors.show_on_form``."""

from django import forms

from outlets.errors import DomainError, StateConflict, show_on_form


class NoteForm(forms.Form):
    text = forms.CharField()


def bound() -> NoteForm:
    form = NoteForm({"text": "hello"})
    assert form.is_valid()
    return form


def test_a_refusal_shows_its_message_above_the_form_and_its_reason_beside_the_input():
    form = bound()
    refusal = DomainError("The note was not saved.", fields={"text": ["Too long."]})

    assert show_on_form(form, refusal) is True

    assert form.non_field_errors() == ["The note was not saved."]
    assert form.errors["text"] == ["Too long."]


def test_a_reason_for_an_input_the_form_lacks_goes_above_the_form():
    form = bound()
    refusal = DomainError("Not saved.", fields={"outlet": ["Not your outlet."]})

    assert show_on_form(form, refusal) is False

    assert form.non_field_errors() == ["Not saved.", "Not your outlet."]
    assert "text" not in form.errors


def test_a_conflict_naming_no_input_is_shown_above_the_form():
    form = bound()

    assert show_on_form(form, StateConflict("Someone else answered first.")) is False

    assert form.non_field_errors() == ["Someone else answered first."]
