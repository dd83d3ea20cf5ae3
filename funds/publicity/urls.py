from django.urls import path

from funds.publicity import views

app_name = "publicity"

urlpatterns = [
    path("", views.village_list, name="villages"),
    path("villages/<int:pk>/", views.village_detail, name="village"),
    path("villages/<int:pk>/generate/", views.village_generate, name="generate"),
    path("lists/<int:pk>/pdf/", views.version_download, name="download"),
]
