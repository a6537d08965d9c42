from rest_framework.routers import SimpleRouter

from .excursions import ExcursionViewSet

router = SimpleRouter()
router.register("excursions", ExcursionViewSet, basename="excursion")
urlpatterns = router.urls
