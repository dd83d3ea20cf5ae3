"""Case API routes under /api/: intake viewsets (apis_intake.py) and workflow (apis_workflow.py)."""

from rest_framework.routers import DefaultRouter

from cases import apis_clocks, apis_intake, apis_workflow

router = DefaultRouter()
apis_intake.register(router)
apis_workflow.register(router)

urlpatterns = [*router.urls, *apis_clocks.urlpatterns]
