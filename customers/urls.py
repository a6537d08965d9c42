from django.urls import path

from . import import_views, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_new, name="new"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<int:pk>/", import_views.import_job_page, name="import-job"),
    path(
        "import/<int:pk>/progress/",
        import_views.import_job_progress,
        name="import-progress",
    ),
    path(
        "import/<int:pk>/confirm/",
        import_views.import_job_confirm_view,
        name="import-confirm",
    ),
    path("export/", import_views.customer_export, name="export"),
    path("<int:pk>/", views.customer_page, name="detail"),
    path("<int:pk>/notes/", views.note_add, name="note-add"),
    path("<int:pk>/habits/", views.habits_edit, name="habits-edit"),
]
