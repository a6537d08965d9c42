"""The care API. Other care modules add one ``include`` line each below."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import CustomerTimelineView, FollowUpViewSet, MyDayView

router = SimpleRouter()
router.register("follow-ups", FollowUpViewSet, basename="follow-up")

urlpatterns = [
    path("me/day/", MyDayView.as_view(), name="my-day"),
    path(
        "customers/<int:pk>/timeline/",
        CustomerTimelineView.as_view(),
        name="customer-timeline",
    ),
    *router.urls,
    path("", include("followups.api.plan_urls")),
    path("", include("followups.occasions.api_urls")),
    path("", include("followups.surveys.api_urls")),
    path("", include("followups.referrals.api_urls")),
    path("", include("followups.kpis.api_urls")),
]
