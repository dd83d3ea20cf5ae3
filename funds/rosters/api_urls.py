"""Roster API routes under /api/rosters/ (apis.py)."""

from rest_framework.routers import SimpleRouter

from funds.rosters import apis

router = SimpleRouter()
apis.register(router)

urlpatterns = router.urls
