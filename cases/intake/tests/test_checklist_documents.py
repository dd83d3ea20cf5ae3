"""The document checklist follows the documents: an item is present when a document of its
kind is attached, or when a clerk records 原件已核验 with a note, signed in the case log; it is
never ticked by hand."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from archive.services import document_upload
from cases.intake.services.application import (
    NOTE_REQUIRED,
    checklist_update,
    checklist_verify_original,
    checklist_withdraw_verification,
)
from cases.intake.tests.helpers import accepted, application
from cases.models import CaseEvent, CaseState, ChecklistEntry
from cases.rules import VERIFY_ORIGINAL, WITHDRAW_VERIFICATION, checklist_for_case
from tests.uploads import pdf_bytes

REQUIRED = ["id_card", "hukou", "authorisation", "application"]


def upload(case, actor, kind):
    return document_upload(
        case=case,
        kind=kind,
        uploaded_file=SimpleUploadedFile(f"{kind}.pdf", pdf_bytes()),
        actor=actor,
    )


def rows(case) -> dict:
    return {r["code"]: r for r in checklist_for_case(case)}


def test_attaching_a_document_of_each_required_kind_completes_the_checklist(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    assert not any(r["provided"] for r in checklist_for_case(case))
    for kind in REQUIRED[:-1]:
        upload(case, clerk, kind)
    case.refresh_from_db()
    assert rows(case)["id_card"]["provided"] and rows(case)["id_card"]["attached"] == 1
    assert not rows(case)["application"]["provided"] and not case.documents_complete
    upload(case, clerk, "application")
    case.refresh_from_db()
    assert case.documents_complete
    assert not case.events.filter(transition=VERIFY_ORIGINAL).exists()  # nothing ticked


def test_removing_the_document_makes_its_item_missing_again(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    documents = [upload(case, clerk, kind) for kind in REQUIRED]
    documents[1].delete()
    case.refresh_from_db()
    assert not case.documents_complete and not rows(case)["hukou"]["provided"]


def test_a_tick_without_a_document_needs_a_note_and_saves_nothing_without_one(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    upload(case, clerk, "id_card")
    events = CaseEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        checklist_update(case=case, actor=clerk, provided=["id_card", "hukou"], notes={})
    assert exc.value.message_dict == {"note-hukou": [f"“居民户口簿”未上传，{NOTE_REQUIRED}"]}
    assert not ChecklistEntry.objects.filter(case=case, provided=True).exists()
    assert CaseEvent.objects.count() == events


def test_an_original_seen_is_recorded_with_its_note_and_signed(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    for kind in ("id_card", "authorisation", "application"):
        upload(case, clerk, kind)
    checklist_verify_original(case=case, actor=clerk, code="hukou", note="户口簿原件已核验")
    case.refresh_from_db()
    assert case.documents_complete and rows(case)["hukou"]["verified"]
    event = case.events.get(transition=VERIFY_ORIGINAL)
    assert event.label == "原件已核验" and event.opinion == "居民户口簿：户口簿原件已核验"
    assert event.actor == clerk and event.actor_role == "township_clerk" and event.hash
    assert event.data == {"item": "hukou"}
    with pytest.raises(ValidationError) as exc:
        checklist_verify_original(case=case, actor=clerk, code="id_card", note="")
    assert exc.value.message_dict == {"note": [NOTE_REQUIRED]}


def test_withdrawing_a_record_is_signed_and_the_item_is_missing_again(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    checklist_update(
        case=case, actor=clerk, provided=REQUIRED, notes=dict.fromkeys(REQUIRED, "原件已核验")
    )
    case.refresh_from_db()
    assert case.documents_complete and case.events.filter(transition=VERIFY_ORIGINAL).count() == 4
    checklist_withdraw_verification(case=case, actor=clerk, code="hukou", reason="核验有误")
    case.refresh_from_db()
    assert not case.documents_complete
    assert case.events.get(transition=WITHDRAW_VERIFICATION).opinion == "居民户口簿：核验有误"
    checklist_update(case=case, actor=clerk, provided=["id_card"], notes={})  # un-ticked
    assert case.events.filter(transition=WITHDRAW_VERIFICATION).count() == 3


def test_only_the_township_clerk_records_an_original_and_only_before_acceptance(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    with pytest.raises(ValidationError):
        checklist_verify_original(
            case=case, actor=demo.user("assistant"), code="hukou", note="已核验"
        )
    assert not ChecklistEntry.objects.filter(case=case).exists()
    accepted(case, clerk)
    assert case.state == CaseState.ACCEPTED
    with pytest.raises(ValidationError, match="已受理"):
        checklist_verify_original(case=case, actor=clerk, code="medical_proof", note="已核验")


def test_the_api_refuses_a_tick_without_a_note_at_its_field_and_shows_the_source(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    upload(case, clerk, "id_card")
    client = APIClient()
    client.force_authenticate(clerk)
    url = f"/api/intake/cases/{case.pk}/checklist/"
    response = client.post(url, {"provided": ["hukou"]}, format="json")
    assert response.status_code == 400 and "note-hukou" in response.json()["errors"]
    body = {"provided": REQUIRED, "notes": dict.fromkeys(REQUIRED[1:], "原件已核验")}
    response = client.post(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"documents_complete": True, "missing": []}
    checklist = {
        r["code"]: r for r in client.get(f"/api/intake/cases/{case.pk}/").json()["checklist"]
    }
    assert checklist["id_card"]["attached"] == 1 and not checklist["id_card"]["verified"]
    assert checklist["hukou"]["verified"] and checklist["hukou"]["attached"] == 0
