from django.urls import include, path

urlpatterns = [
    path("", include("customers.api.urls")),
]
