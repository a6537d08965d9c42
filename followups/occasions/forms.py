from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms import ErrorsInWords
from customers.models import CareTag, Need, PersonalDateKind, Tenure, Tier

from .models import CAMPAIGN_TEXT_LENGTH, CampaignDelivery, Occasion


class CampaignForm(ErrorsInWords, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    occasion = forms.ChoiceField(label=_("Occasion"), choices=Occasion.choices)
    send_at = forms.DateTimeField(
        label=_("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Between 09:00 and 20:00; quiet hours postpone it further."),
    )
    delivery = forms.ChoiceField(label=_("Delivery"), choices=CampaignDelivery.choices)
    tiers = forms.MultipleChoiceField(
        label=_("Tiers"),
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tenures = forms.MultipleChoiceField(
        label=_("Tenures"),
        choices=Tenure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.MultipleChoiceField(
        label=_("Care tags"),
        choices=CareTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    gift = forms.CharField(label=_("Gift"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Text (Chinese)"),
        max_length=CAMPAIGN_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    text_en = forms.CharField(
        label=_("Text (English)"),
        max_length=CAMPAIGN_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def segment(self) -> dict:
        data = self.cleaned_data
        return {field: sorted(data.get(field) or []) for field in _SEGMENT}


_SEGMENT = ("tiers", "needs", "tenures", "tags")


class FillForm(ErrorsInWords, forms.Form):
    percent = forms.IntegerField(
        label=_("Warehouse fill (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "class": "form-control"}
        ),
    )


class PersonalDateForm(ErrorsInWords, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PersonalDateKind.choices)
    label = forms.CharField(label=_("What"), max_length=100, required=False)
    month = forms.IntegerField(label=_("Month"))
    day = forms.IntegerField(label=_("Day"))
    year = forms.IntegerField(
        label=_("Year"), required=False, help_text=_("Empty: every year.")
    )


class CareForm(ErrorsInWords, forms.Form):
    care_opt_out = forms.BooleanField(label=_("No care messages"), required=False)
    care_tags = forms.MultipleChoiceField(
        label=_("Care tags"),
        choices=CareTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
