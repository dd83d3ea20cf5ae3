"""Register API routes under /api/."""

from rest_framework.routers import SimpleRouter

from funds.recipients import apis

router = SimpleRouter()
apis.register(router)

urlpatterns = router.urls
