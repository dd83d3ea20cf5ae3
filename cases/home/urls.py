from django.urls import path

from cases.home import views

urlpatterns = [path("", views.home, name="home")]
