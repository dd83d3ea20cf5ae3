from django.urls import path

from review import views

app_name = "review"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("filings/<int:pk>/acknowledge/", views.filing_acknowledge, name="filing_acknowledge"),
    path("queries/", views.query_list, name="queries"),
    path("queries/<int:pk>/", views.query_detail, name="query_detail"),
    path("spot-checks/", views.campaign_list, name="campaigns"),
    path("spot-checks/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("spot-checks/items/<int:pk>/", views.item_detail, name="item_detail"),
    path("spot-checks/items/<int:pk>/photos/<int:photo_pk>/", views.item_photo, name="item_photo"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications/new/", views.rectification_new, name="rectification_new"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path(
        "rectifications/<int:pk>/evidence/<int:response_pk>/",
        views.rectification_evidence,
        name="rectification_evidence",
    ),
    path("cases/<int:case_pk>/correction/", views.correction, name="correction"),
    path("corrections/<int:event_pk>/notice/", views.correction_notice, name="correction_notice"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("delegations/", views.delegations, name="delegations"),
    path("stats/", views.stats, name="stats"),
    path("stats/export.xlsx", views.stats_xlsx, name="stats_xlsx"),
    path("township/", views.township_home, name="township"),
]
