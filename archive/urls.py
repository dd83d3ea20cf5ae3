from django.urls import path

from archive import views

app_name = "archive"
urlpatterns = [
    path("documents/<int:pk>/", views.document_download, name="document"),
]
