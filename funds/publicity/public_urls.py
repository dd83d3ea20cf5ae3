"""Public addresses (no login) under /public/: the village page and each batch's page,
the target of the QR code printed on the notice (``public-notice-batch``, by token)."""

from django.urls import path

from funds.publicity import public

urlpatterns = [
    path("villages/<str:code>/", public.village_page, name="public-village"),
    path("notices/<str:token>/", public.batch_page, name="public-notice-batch"),
    path("notices/<str:token>/objection/", public.batch_objection, name="public-notice-objection"),
]
