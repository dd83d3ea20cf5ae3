"""Referral pages, included in the ``cases`` namespace."""

from django.urls import path

from cases.referrals import views

urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("<int:pk>/referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/<int:pk>/answer/", views.referral_answer, name="referral_answer"),
    path("referrals/departments/", views.department_list, name="referral_departments"),
    path("referrals/departments/<int:pk>/", views.department_list, name="referral_department_edit"),
]
