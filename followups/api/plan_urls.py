from django.urls import path
from rest_framework.routers import SimpleRouter

from .plans import CarePlanRuleViewSet, FreightDiscountView

router = SimpleRouter()
router.register("care-plan-rules", CarePlanRuleViewSet, basename="care-plan-rule")
urlpatterns = [
    *router.urls,
    path(
        "customers/<int:pk>/freight-discount/",
        FreightDiscountView.as_view(),
        name="customer-freight-discount",
    ),
]
