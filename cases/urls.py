"""Case pages. Intake pages live in urls_intake.py, workflow pages in urls_workflow.py."""

from cases import urls_dashboard, urls_intake, urls_workflow

app_name = "cases"
urlpatterns = [*urls_dashboard.urlpatterns, *urls_workflow.urlpatterns, *urls_intake.urlpatterns]
