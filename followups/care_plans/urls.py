from django.urls import path

from . import segment_views, views

app_name = "care_plans"
urlpatterns = [
    path("plan/", views.care_plan, name="plan"),
    path("plan/<int:pk>/reset/", views.care_plan_reset, name="reset"),
    path(
        "customers/<int:pk>/freight-discount/",
        segment_views.freight_discount_edit,
        name="freight-discount",
    ),
]
