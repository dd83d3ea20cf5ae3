"""动态管理 API routes under /api/."""

from rest_framework.routers import SimpleRouter

from funds.dynamic import apis

router = SimpleRouter()
apis.register(router)

urlpatterns = router.urls
