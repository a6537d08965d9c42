from django.urls import path

from . import excursion_views as views

app_name = "excursions"
urlpatterns = [
    path("", views.board, name="board"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/handle/", views.handle, name="handle"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
]
