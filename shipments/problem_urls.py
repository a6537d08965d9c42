from django.urls import path

from . import problem_views as views

app_name = "problems"
urlpatterns = [
    path("", views.board, name="board"),
    path("report/", views.report, name="report"),
    path("summary/", views.summary, name="summary"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:step>/", views.act, name="act"),
]
