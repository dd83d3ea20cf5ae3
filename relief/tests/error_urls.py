"""A URLconf for the 500-page test: the site's URLs plus one view that fails."""

from django.urls import path

from relief.urls import handler500  # noqa: F401
from relief.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("an unexpected failure")


urlpatterns = [*site_urlpatterns, path("boom/", boom)]
