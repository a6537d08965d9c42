from django.urls import path

from . import views

app_name = "clocks"
urlpatterns = [
    path("board/", views.board, name="board"),
    path("report/", views.breach_report_page, name="breach-report"),
    path("policies/", views.policies, name="policies"),
]
