from django.urls import include, path

urlpatterns = [
    path("", include("customers.api.urls")),
    # Before the routers, so "shipments/events/" is never read as a shipment id.
    path("", include("shipments.api.ingest_urls")),
    path("", include("shipments.api.urls")),
    path("", include("shipments.api.problem_urls")),
    path("", include("shipments.api.excursion_urls")),
    path("", include("clocks.api.urls")),
]
