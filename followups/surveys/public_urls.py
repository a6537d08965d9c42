"""The public survey path, ``/s/<token>/`` (included from config/urls.py)."""

from django.urls import path

from . import public_views

app_name = "survey"

urlpatterns = [path("<str:token>/", public_views.answer, name="answer")]
