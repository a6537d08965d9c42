"""The referral page's filters: outlet (HQ), account manager, month."""

from django.utils.translation import gettext_lazy as _

from ..surveys.forms import StaffFilterForm, clean_month_text, month_field


class ReferralFilterForm(StaffFilterForm):
    month = month_field(_("Cooperation started"))

    def clean_month(self):
        return clean_month_text(self.cleaned_data["month"])
