"""Supervision API routes under /api/review/ (apis.py)."""

from rest_framework.routers import SimpleRouter

from review import apis

router = SimpleRouter()
apis.register(router)

urlpatterns = router.urls
