"""Pages of dated care, included from ``followups/urls.py`` (under /care/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("campaigns/", views.campaigns, name="campaigns"),
    path("customers/<int:pk>/warehouse/", views.warehouse_fill, name="warehouse-fill"),
    path(
        "customers/<int:pk>/personal-dates/",
        views.personal_date_new,
        name="personal-date-new",
    ),
    path(
        "personal-dates/<int:pk>/delete/",
        views.personal_date_remove,
        name="personal-date-remove",
    ),
    path("customers/<int:pk>/care/", views.care_edit, name="care-edit"),
]
