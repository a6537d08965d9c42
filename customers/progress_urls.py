from django.urls import path

from . import progress_views as views

app_name = "progress"
urlpatterns = [
    path("rotate/<int:customer_id>/", views.rotate, name="rotate"),
    path("<str:token>/", views.board, name="board"),
]
