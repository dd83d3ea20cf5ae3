from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from relief import health, views

# A database outage answers 503 with a Chinese page (relief/unavailable.py), not a 500.
handler500 = "relief.unavailable.server_error"

urlpatterns = [
    path("", include("cases.home.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (no inline script under the CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="relief/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/", include("relief.api_urls")),
    path("api/", include("cases.api_urls")),
    path("cases/", include("cases.urls")),
    path("funds/recipients/", include("funds.recipients.urls")),
    path("api/", include("funds.recipients.api_urls")),
    path("funds/rosters/", include("funds.rosters.urls")),
    path("funds/publicity/", include("funds.publicity.urls")),
    # Public, no login: a village's notices and standing list, each batch's QR page.
    path("public/", include("funds.publicity.public_urls")),
    path("api/", include("funds.publicity.api_urls")),
    path("api/", include("funds.rosters.api_urls")),
    path("funds/dynamic/", include("funds.dynamic.urls")),
    path("api/", include("funds.dynamic.api_urls")),
    path("review/", include("review.urls")),
    path("api/", include("review.api_urls")),
    path("manage/", include("relief.manage_urls")),
    path("personal-data/reveals/", include("relief.reveal_urls")),
    path("archive/", include("archive.urls")),
    path("cases/", include("archive.case_urls")),
    path("api/", include("archive.api_urls")),
]
