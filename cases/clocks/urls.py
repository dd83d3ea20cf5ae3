"""Pages of the clocks (a case's clock, the dashboard, background jobs).

They live inside the ``cases`` namespace.
"""

from django.urls import path

from cases.clocks import views as v

urlpatterns = [
    path("<int:pk>/clock/", v.clock_detail, name="clock"),
    path("<int:pk>/clock/extend/", v.clock_extend_view, name="clock_extend"),
    path("<int:pk>/clock/refusal-notice-served/", v.clock_serve_view, name="clock_serve"),
    path("dashboard/", v.dashboard, name="dashboard"),
    path("dashboard/export/", v.dashboard_export, name="dashboard_export"),
    path("jobs/<int:pk>/", v.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", v.job_progress, name="job_progress"),
    path("jobs/<int:pk>/download/", v.job_download, name="job_download"),
    path("jobs/failed/", v.failed_tasks, name="failed_tasks"),
]
