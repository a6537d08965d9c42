from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from lib.bounded_inputs import validate_plausible_day
from lib.model_fields import column, max_length
from outlets.models import Outlet, Staff, Weekday

from .models import NOTE_LENGTH, Channel, Customer, CustomerHabits, Need

if TYPE_CHECKING:
    _FormBase = forms.Form  # the mixin always sits in front of a Form
else:
    _FormBase = object


class ErrorsInWords(_FormBase):
    """Form errors as one line per field, named by its label, for a message."""

    def errors_in_words(self) -> str:
        lines = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = field.label if field is not None else gettext("Form")
            lines.append(
                gettext("%(field)s: %(errors)s")
                % {"field": label, "errors": " ".join(str(error) for error in errors)}
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


def _length(name: str) -> int:
    return max_length(Customer, name)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, staff: Staff) -> str:
        return staff.display_name


def _model_field(name: str) -> forms.Field:
    # The model's validators and (lazily translated) label come along.
    field = column(Customer, name).formfield()
    assert field is not None, name
    return field


def _with_outlet(staff: Staff) -> str:
    assert staff.outlet is not None  # office staff work at an outlet
    return f"{staff.display_name} ({staff.outlet.code})"


class CustomerForm(ErrorsInWords, forms.Form):
    """The book entry of a customer, for the create and the edit page.

    ``outlet`` is asked only of HQ (everyone else adds to their own outlet);
    the account manager is chosen among ``office_staff``; the referrer is
    named by phone, looked up among the customers ``referrers`` holds.
    """

    outlet = forms.ModelChoiceField(
        label=_("Outlet"), queryset=Outlet.objects.order_by("code")
    )
    name = forms.CharField(label=_("Name"), max_length=_length("name"))
    company = forms.CharField(
        label=_("Company"), max_length=_length("company"), required=False
    )
    contact_person = forms.CharField(
        label=_("Contact person"), max_length=_length("contact_person"), required=False
    )
    phone = PhoneNumberField(label=_("Phone"))
    address = forms.CharField(
        label=_("Address"), max_length=_length("address"), required=False
    )
    account_manager = StaffChoiceField(
        label=_("Account manager"), queryset=Staff.objects.none(), required=False
    )
    cooperation_start = forms.DateField(
        label=_("Cooperation start"),
        initial=timezone.localdate,
        validators=[validate_plausible_day],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    referred_by = PhoneNumberField(
        label=_("Referred by (the referring customer's phone)"), required=False
    )
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=Channel.choices, initial=Channel.SMS
    )
    language = forms.ChoiceField(label=_("Language"), initial="zh-hans")
    quiet_hours_start = forms.TimeField(
        label=_("Quiet hours start"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    quiet_hours_end = forms.TimeField(
        label=_("Quiet hours end"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # What the needs promise every shipment (the service checks which need).
    cold_temperature_min_c = _model_field("cold_temperature_min_c")
    cold_temperature_max_c = _model_field("cold_temperature_max_c")
    cold_humidity_min_pct = _model_field("cold_humidity_min_pct")
    cold_humidity_max_pct = _model_field("cold_humidity_max_pct")
    guarantee_48h = _model_field("guarantee_48h")
    promised_delivery = _model_field("promised_delivery")

    def __init__(self, *args, office_staff, referrers, ask_outlet: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.referrers = referrers
        account_manager = self.fields["account_manager"]
        language = self.fields["language"]
        assert isinstance(account_manager, StaffChoiceField)
        assert isinstance(language, forms.ChoiceField)
        account_manager.queryset = office_staff
        language.choices = settings.LANGUAGES
        if not ask_outlet:
            del self.fields["outlet"]
        else:  # staff of every outlet in one list: say whose
            # Set on the instance, as Django's docs allow (the stubs say method).
            account_manager.label_from_instance = _with_outlet  # type: ignore[method-assign]

    def clean_referred_by(self) -> Customer | None:
        phone = self.cleaned_data.get("referred_by")
        if not phone:
            return None
        referrer = self.referrers.filter(phone=phone).first()
        if referrer is None:
            raise forms.ValidationError(_("No customer of yours has this phone."))
        return referrer

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("quiet_hours_start"), data.get("quiet_hours_end")
        if (start is None) != (end is None):
            self.add_error("quiet_hours_end", _("Give both ends of the quiet hours."))
        return data


class ImportForm(ErrorsInWords, forms.Form):
    outlet = forms.ModelChoiceField(
        label=_("Outlet"), queryset=Outlet.objects.order_by("code")
    )
    file = forms.FileField(
        label=_("Customer file (.csv or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, ask_outlet: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_outlet:
            del self.fields["outlet"]
