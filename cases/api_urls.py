"""Case API routes under /api/: intake, workflow and clocks."""

from rest_framework.routers import DefaultRouter

from cases.clocks import apis as clocks_apis
from cases.intake import apis as intake_apis
from cases.intake import reveal as intake_reveal
from cases.notices import apis as notices_apis
from cases.panel import apis as panel_apis
from cases.referrals import apis as referrals_apis
from cases.temporary import apis as temporary_apis
from cases.workflow import apis as workflow_apis

router = DefaultRouter()
intake_apis.register(router)
workflow_apis.register(router)
panel_apis.register(router)
notices_apis.register(router)
temporary_apis.register(router)
referrals_apis.register(router)

urlpatterns = [*router.urls, *clocks_apis.urlpatterns, *intake_reveal.api_urlpatterns]
