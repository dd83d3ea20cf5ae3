"""Archive pages under a case's URL prefix (``cases/<id>/…``): the case file, the forms."""

from django.urls import path

from archive.casefile import views as casefile

app_name = "casefile"
urlpatterns = [
    path("<int:pk>/archive.pdf", casefile.case_file_pdf, name="pdf"),
]
