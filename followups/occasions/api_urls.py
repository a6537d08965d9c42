from django.urls import path

from . import api

urlpatterns = [
    path("campaigns/", api.CampaignListView.as_view(), name="campaigns"),
    path(
        "campaigns/preview/", api.CampaignPreviewView.as_view(), name="campaign-preview"
    ),
    path(
        "campaigns/<int:pk>/cancel/",
        api.CampaignCancelView.as_view(),
        name="campaign-cancel",
    ),
    path("promotion-seasons/", api.SeasonListView.as_view(), name="promotion-seasons"),
    path(
        "customers/<int:pk>/warehouse-fill/",
        api.WarehouseFillView.as_view(),
        name="warehouse-fill",
    ),
    path(
        "customers/<int:pk>/personal-dates/",
        api.PersonalDatesView.as_view(),
        name="personal-dates",
    ),
    path(
        "personal-dates/<int:pk>/", api.PersonalDateView.as_view(), name="personal-date"
    ),
    path(
        "customers/<int:pk>/care/", api.CustomerCareView.as_view(), name="customer-care"
    ),
]
