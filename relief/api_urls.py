"""All API routes under /api/. Each app contributes a router in its own ``apis.py``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from relief import apis

router = SimpleRouter()
router.register("regions", apis.RegionViewSet, basename="region")
router.register("assistance-types", apis.AssistanceTypeViewSet, basename="assistance-type")
router.register("delegations", apis.DelegationViewSet, basename="delegation")

urlpatterns = [
    path("token/", apis.TokenView.as_view(), name="api-token"),
    path("me/", apis.me, name="api-me"),
    path("policies/effective/", apis.policy_effective, name="api-policy-effective"),
    path("workdays/add/", apis.workdays_add, name="api-workdays-add"),
    *router.urls,
]
