"""The reveal log's pages (namespace ``reveals``)."""

from django.urls import path

from relief import reveal_views as v

app_name = "reveals"
urlpatterns = [
    path("", v.reveal_list, name="list"),
    path("export.csv", v.reveal_export, name="export"),
]
