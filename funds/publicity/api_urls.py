"""Standing-list API routes under /api/."""

from rest_framework.routers import SimpleRouter

from funds.publicity import apis

router = SimpleRouter()
apis.register(router)

urlpatterns = router.urls
