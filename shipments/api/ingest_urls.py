from django.urls import path

from .ingest import MilestoneEventsView, ReadingsView

urlpatterns = [
    path("shipments/events/", MilestoneEventsView.as_view(), name="shipment-events"),
    path("shipments/readings/", ReadingsView.as_view(), name="shipment-readings"),
]
