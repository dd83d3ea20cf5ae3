"""Emergency (急难型临时救助) pages, included in the ``cases`` namespace."""

from django.urls import path

from cases.temporary import views

urlpatterns = [
    path("temporary/stats/", views.temporary_stats, name="temporary_stats"),
    path("emergencies/", views.emergency_list, name="emergency_list"),
    path("emergencies/new/", views.emergency_new, name="emergency_new"),
    path("emergencies/<int:pk>/", views.emergency_detail, name="emergency_detail"),
    path("emergencies/<int:pk>/grant/", views.emergency_grant, name="emergency_grant"),
    path("emergencies/<int:pk>/identify/", views.emergency_identify, name="emergency_identify"),
    path("<int:pk>/temporary-amount/", views.temporary_amount, name="temporary_amount"),
]
