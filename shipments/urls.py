from django.urls import path

from . import views

app_name = "shipments"

# The courier's phone pages. Other groups of pages (the problem board in
# problem_views.py) keep their own list here and are joined below.
pickup_patterns = [
    path("pickups/", views.courier_pickups, name="courier-pickups"),
    path("pickups/<int:pk>/", views.courier_pickup, name="courier-pickup"),
    path("pickups/<int:pk>/accept/", views.accept, name="pickup-accept"),
    path("pickups/<int:pk>/contact/", views.contact, name="pickup-contact"),
    path("pickups/<int:pk>/pick-up/", views.pick_up, name="pickup-pick-up"),
    path("pickups/<int:pk>/enter/", views.enter, name="pickup-enter"),
]

urlpatterns = [*pickup_patterns]
