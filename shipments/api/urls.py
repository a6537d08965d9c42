from rest_framework.routers import SimpleRouter

from .views import PickupViewSet

router = SimpleRouter()
router.register("pickups", PickupViewSet, basename="pickup")
urlpatterns = router.urls
