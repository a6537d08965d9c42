from django.urls import path

from . import api

urlpatterns = [
    path("kpis/", api.KpiView.as_view(), name="api-kpis"),
    path("kpis/trend/", api.KpiTrendView.as_view(), name="api-kpi-trend"),
    path("kpis/customers/", api.KpiCustomersView.as_view(), name="api-kpi-customers"),
    path("churn-risks/", api.ChurnRiskListView.as_view(), name="api-churn-risks"),
]
