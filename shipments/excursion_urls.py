app_name = "excursions"
urlpatterns = []
