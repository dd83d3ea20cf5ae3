"""Staff pages of the public notice (namespace ``cases``, under /cases/notices/)."""

from django.urls import path

from cases.notices import views as v

urlpatterns = [
    path("notices/", v.notice_batches, name="notice_batches"),
    path("notices/new/", v.notice_batch_new, name="notice_batch_new"),
    path("notices/<int:pk>/", v.notice_batch, name="notice_batch"),
    path("notices/<int:pk>/publish/", v.notice_batch_publish, name="notice_batch_publish"),
    path(
        "notices/<int:pk>/remove/<int:case_pk>/",
        v.notice_batch_remove,
        name="notice_batch_remove",
    ),
    path("notices/<int:pk>/withdraw/", v.notice_batch_withdraw, name="notice_batch_withdraw"),
    path("notices/<int:pk>/photo/", v.notice_batch_photo, name="notice_batch_photo"),
    path("notices/<int:pk>/objection/", v.notice_batch_objection, name="notice_batch_objection"),
    path("notices/<int:pk>/notice.pdf", v.notice_batch_pdf, name="notice_batch_pdf"),
    path("notices/objections/", v.notice_objections, name="notice_objections"),
    path("notices/objections/<int:pk>/", v.notice_objection, name="notice_objection"),
]
