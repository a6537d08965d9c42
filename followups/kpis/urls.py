from django.urls import path

from . import views

app_name = "kpis"
urlpatterns = [
    path("kpis/", views.dashboard, name="dashboard"),
    path("kpis/customers/", views.customers, name="customers"),
    path("churn/", views.churn_risks, name="churn-risks"),
]
