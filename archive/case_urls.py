"""Archive pages under a case's URL prefix (``cases/<id>/…``): the case file, the forms."""

from django.urls import path

from archive.casefile import views as casefile
from archive.printforms import views as printforms

app_name = "casefile"
urlpatterns = [
    path("<int:pk>/archive.pdf", casefile.case_file_pdf, name="pdf"),
    path("<int:pk>/forms/", printforms.forms_page, name="forms"),
    path("<int:pk>/forms/upload/", printforms.forms_upload, name="forms_upload"),
    path("<int:pk>/forms/<slug:slug>.pdf", printforms.form_pdf, name="form_pdf"),
]
