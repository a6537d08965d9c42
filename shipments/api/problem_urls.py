from rest_framework.routers import SimpleRouter

from .problems import ProblemViewSet, ProgressLinkViewSet, ShipmentViewSet

router = SimpleRouter()
router.register("problems", ProblemViewSet, basename="problem")
router.register("shipments", ShipmentViewSet, basename="shipment")
router.register("progress-links", ProgressLinkViewSet, basename="progress-link")
urlpatterns = router.urls
