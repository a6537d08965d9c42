from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from outlets.api.docs import SwaggerPage

urlpatterns = [
    path("", include("outlets.urls")),
    path("customers/", include("customers.urls")),
    path("", include("shipments.urls")),
    path("service/", include("clocks.urls")),
    path("care/", include("followups.urls")),
    path("s/", include("followups.surveys.public_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerPage.as_view(url_name="schema"), name="api-docs"),
]

# The API's error shape under /api/, the site's error pages elsewhere.
handler400 = "outlets.error_views.bad_request"
handler403 = "outlets.error_views.permission_denied"
handler404 = "outlets.error_views.page_not_found"
handler500 = "outlets.error_views.server_error"

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()
