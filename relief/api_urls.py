"""All API routes under /api/. Each app contributes a router in its own ``apis.py``."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("token/", obtain_auth_token, name="api-token"),
]
