from django.urls import path

from cases.workflow import views

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/transitions/<slug:name>/", views.case_transition_view, name="transition"),
    path("<int:pk>/county-visit/", views.case_county_visit_view, name="county_visit"),
    path("<int:pk>/refusal-notice/", views.case_refusal_notice, name="refusal_notice"),
    path("<int:pk>/refusal-notice.pdf", views.case_refusal_notice_pdf, name="refusal_notice_pdf"),
]
