from django.urls import path

from archive import views
from archive.exports import views as exports

app_name = "archive"
urlpatterns = [
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("exports/", exports.export_list, name="exports"),
    path("exports/<int:pk>/", exports.export_detail, name="export"),
    path("exports/<int:pk>/progress/", exports.export_progress, name="export_progress"),
    path("exports/<int:pk>/cancel/", exports.export_cancel_view, name="export_cancel"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
]
