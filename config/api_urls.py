from django.urls import include, path

urlpatterns = [
    path("", include("customers.api.urls")),
    path("", include("shipments.api.urls")),
    path("", include("shipments.api.ingest_urls")),
    path("", include("shipments.api.problem_urls")),
    path("", include("followups.api.urls")),
]
