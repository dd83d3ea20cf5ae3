from django.urls import path

from funds.rosters import views

app_name = "rosters"

urlpatterns = [
    path("", views.roster_list, name="list"),
    path("county.xlsx", views.roster_county_export, name="county_export"),
    path("new/", views.roster_new, name="new"),
    path("<int:pk>/", views.roster_detail, name="detail"),
    path("<int:pk>/progress/", views.roster_progress, name="progress"),
    path("<int:pk>/export/", views.roster_export, name="export"),
    path("<int:pk>/export/jobs/<int:job_id>/", views.roster_export_job, name="export_job"),
    path(
        "<int:pk>/exports/<int:export_id>/download/",
        views.roster_export_download,
        name="export_download",
    ),
    path("<int:pk>/results/", views.roster_results, name="results"),
    path("<int:pk>/roster.pdf", views.roster_pdf, name="pdf"),
    path("<int:pk>/<slug:action>/", views.roster_action, name="action"),
]
