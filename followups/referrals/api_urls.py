from django.urls import path

from . import api

urlpatterns = [
    path("referrals/", api.ReferralListView.as_view(), name="referrals"),
    path(
        "referrals/monthly-share/",
        api.ReferralShareView.as_view(),
        name="referral-share",
    ),
]
