"""Survey pages for staff, included from ``followups/urls.py`` (under /care/)."""

from django.urls import path

from . import views

urlpatterns = [path("surveys/", views.answers, name="survey-answers")]
