"""Care pages under /care/. Other care modules add one ``include`` line each."""

from django.urls import include, path

from . import views

app_name = "followups"

urlpatterns = [
    path("day/", views.day, name="day"),
    path("follow-ups/", views.follow_up_list, name="list"),
    path("follow-ups/<int:pk>/complete/", views.complete, name="complete"),
    path("follow-ups/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("follow-ups/<int:pk>/decline/", views.decline, name="decline"),
    path("follow-ups/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("customers/<int:customer_id>/follow-up/", views.follow_up_new, name="new"),
    path("customers/<int:customer_id>/timeline/", views.timeline, name="timeline"),
    path("", include("followups.care_plans.urls")),
    path("", include("followups.occasions.urls")),
    path("", include("followups.surveys.urls")),
    path("", include("followups.referrals.urls")),
    path("", include("followups.kpis.urls")),
]
