from django.urls import path

from cases.panel import views as v

urlpatterns = [
    path("panel/", v.panel_meetings, name="panel_meetings"),
    path("panel/<int:pk>/", v.panel_meeting, name="panel_meeting"),
    path("panel/<int:pk>/minutes.pdf", v.panel_minutes_pdf, name="panel_minutes_pdf"),
]
