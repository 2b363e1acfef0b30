from django.contrib import admin
from django.urls import include, path

from sejahtera.api.api import api
from sejahtera.web.urls import auth_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    *auth_urlpatterns,
    path("", include("sejahtera.web.urls")),
]

# A request Django itself cannot read answers as the API answers under /api/.
handler400 = "sejahtera.api.api.bad_request"
handler500 = "sejahtera.web.views.errors.server_error"
