from django.urls import include, path

urlpatterns = [
    path("", include("customers.api.urls")),
    path("", include("shipments.api.urls")),
    path("", include("followups.api.urls")),
]
