from rest_framework.routers import SimpleRouter

from .views import ClockPolicyViewSet, ClockViewSet

router = SimpleRouter()
router.register("clocks", ClockViewSet, basename="clock")
router.register("clock-policies", ClockPolicyViewSet, basename="clock-policy")
urlpatterns = router.urls
