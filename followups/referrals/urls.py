"""Referral pages, included from ``followups/urls.py`` (under /care/)."""

from django.urls import path

from . import views

urlpatterns = [path("referrals/", views.referral_list, name="referrals")]
