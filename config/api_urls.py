from django.urls import include, path

# One module per app, each under its own prefixes: the order here does not matter
# (tests/test_urls.py).
urlpatterns = [
    path("", include("outlets.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("shipments.api_urls")),
    path("", include("clocks.api.urls")),
    path("", include("followups.api.urls")),
]
