from django.urls import path

from . import audit_views, views

app_name = "clocks"
urlpatterns = [
    path("board/", views.board, name="board"),
    path("report/", views.breach_report_page, name="breach-report"),
    path("policies/", views.policies, name="policies"),
    path("audit/", audit_views.audit_export, name="audit-export"),
]
