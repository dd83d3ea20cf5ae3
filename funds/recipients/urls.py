from django.urls import path

from funds.recipients import views

app_name = "recipients"

urlpatterns = [
    path("", views.recipient_list, name="list"),
    path("export.xlsx", views.recipient_export, name="export"),
    path("<int:pk>/", views.recipient_detail, name="detail"),
    path("<int:pk>/account/", views.account_form, name="account"),
    path("<int:pk>/account/reveal/", views.account_reveal, name="reveal"),
    path("adjustments/", views.adjustment_list, name="adjustments"),
    path("adjustments/<int:pk>/", views.adjustment_detail, name="adjustment"),
    path("adjustments/<int:pk>/apply/", views.adjustment_apply, name="adjustment_apply"),
]
