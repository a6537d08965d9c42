app_name = "shipments"
urlpatterns = []
