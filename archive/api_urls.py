"""Archive API routes under /api/archive/ (archive/apis.py)."""

from django.urls import path

from archive import apis

urlpatterns = [
    path("archive/cases/<int:pk>/archive.pdf", apis.case_file, name="api-archive-case-file"),
    path("archive/exports/", apis.export_create, name="api-archive-exports"),
    path("archive/exports/<int:pk>/", apis.export_status, name="api-archive-export"),
    path(
        "archive/exports/<int:pk>/cancel/", apis.export_cancel_api, name="api-archive-export-cancel"
    ),
    path(
        "archive/exports/<int:pk>/download/",
        apis.export_download,
        name="api-archive-export-download",
    ),
]
