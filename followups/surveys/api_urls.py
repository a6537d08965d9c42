from django.urls import path

from . import api

urlpatterns = [
    path("surveys/", api.SurveyListView.as_view(), name="surveys"),
    path("surveys/<int:pk>/", api.SurveyDetailView.as_view(), name="survey"),
    path(
        "customers/<int:pk>/surveys/",
        api.CustomerSurveysView.as_view(),
        name="customer-surveys",
    ),
]
