from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_page, name="detail"),
    path("<int:pk>/notes/", views.note_add, name="note-add"),
    path("<int:pk>/habits/", views.habits_edit, name="habits-edit"),
]
