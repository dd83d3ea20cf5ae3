from django.urls import path

from funds.dynamic import views

app_name = "dynamic"

urlpatterns = [
    path("due/", views.due_list, name="due"),
    path("recipients/<int:pk>/open/", views.review_open_view, name="open"),
    path("recipients/<int:pk>/timeline/", views.household_timeline_view, name="timeline"),
    path("recipients/<int:pk>/dishonesty/", views.dishonesty_view, name="dishonesty"),
    path("reviews/<int:pk>/", views.review_conclusion, name="conclusion"),
    path("reviews/<int:pk>/notice.pdf", views.termination_notice, name="notice"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("reviews/<int:pk>/objections/", views.posting_objections, name="posting_objections"),
    path("objections/<int:pk>/handle/", views.objection_handle, name="objection_handle"),
]
