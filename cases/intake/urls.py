"""Intake pages, in the "cases" namespace (cases/urls.py)."""

from django.urls import path

from cases.intake import views as v

urlpatterns = [
    path("new/", v.application_new, name="application_new"),
    path("<int:pk>/intake/", v.case_intake, name="intake"),
    path("<int:pk>/household/", v.household_edit, name="household_edit"),
    path("<int:pk>/members/add/", v.member_edit, name="member_add"),
    path("<int:pk>/members/<int:member_pk>/", v.member_edit, name="member_edit"),
    path("<int:pk>/members/<int:member_pk>/delete/", v.member_delete, name="member_delete"),
    path("<int:pk>/items/<str:kind>/", v.items_edit, name="items_edit"),
    path("<int:pk>/items/<str:kind>/add/", v.item_edit, name="item_add"),
    path("<int:pk>/items/<str:kind>/<int:item_pk>/", v.item_edit, name="item_edit"),
    path("<int:pk>/items/<str:kind>/<int:item_pk>/delete/", v.item_delete, name="item_delete"),
    path("<int:pk>/checklist/", v.checklist, name="checklist"),
    path("<int:pk>/notice/", v.document_notice, name="document_notice"),
    path("<int:pk>/accept/", v.accept, name="intake_accept"),
    path("<int:pk>/return-to-village/", v.return_to_village, name="intake_return"),
    path("<int:pk>/survey/", v.survey, name="survey"),
    path("<int:pk>/check/request/", v.check_request, name="check_request"),
    path("<int:pk>/amount/", v.compute_amount, name="compute_amount"),
    path("<int:pk>/tekun/", v.tekun_assessment, name="tekun_assessment"),
    path("<int:pk>/documents/", v.document_upload, name="document_upload"),
    path("checks/", v.check_queue, name="check_queue"),
    path("checks/<int:check_pk>/return/", v.check_return, name="check_return"),
    path("checks/import/", v.check_import, name="check_import"),
    path("near-relatives/", v.near_relatives, name="near_relatives"),
    path(
        "near-relatives/<int:pk>/deactivate/",
        v.near_relative_deactivate,
        name="near_relative_deactivate",
    ),
]
