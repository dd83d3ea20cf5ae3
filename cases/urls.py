"""Case pages (namespace ``cases``): the case list and page, intake, the clocks' dashboard,
the review panel and the notices."""

from cases.clocks import urls as clocks_urls
from cases.intake import reveal as intake_reveal
from cases.intake import urls as intake_urls
from cases.notices import urls as notices_urls
from cases.panel import urls as panel_urls
from cases.referrals import urls as referrals_urls
from cases.temporary import urls as temporary_urls
from cases.workflow import urls as workflow_urls

app_name = "cases"
urlpatterns = [
    *clocks_urls.urlpatterns,
    *workflow_urls.urlpatterns,
    *intake_urls.urlpatterns,
    *intake_reveal.page_urlpatterns,
    *panel_urls.urlpatterns,
    *notices_urls.urlpatterns,
    *temporary_urls.urlpatterns,
    *referrals_urls.urlpatterns,
]
