"""Every endpoint of shipments under /api/v1/, in one list."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .coldchain.api import ExcursionViewSet, ReadingsView
from .pickups.api import PickupViewSet
from .problems.api import ProblemViewSet
from .tracking.api.ingest import MilestoneEventsView
from .tracking.api.shipments import ProgressLinkViewSet, ShipmentViewSet

router = SimpleRouter()
router.register("pickups", PickupViewSet, basename="pickup")
router.register("shipments", ShipmentViewSet, basename="shipment")
router.register("problems", ProblemViewSet, basename="problem")
router.register("excursions", ExcursionViewSet, basename="excursion")
router.register("progress-links", ProgressLinkViewSet, basename="progress-link")

# The fixed paths come before the router's, so "shipments/events/" is never
# read as a shipment's id, whatever includes this module and in what order.
urlpatterns = [
    path("shipments/events/", MilestoneEventsView.as_view(), name="shipment-events"),
    path("shipments/readings/", ReadingsView.as_view(), name="shipment-readings"),
    *router.urls,
]
