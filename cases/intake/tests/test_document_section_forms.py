"""The documents section and the register's 撤销 go through Django forms: the checklist item
by item (已上传 N 份, 原件已核验 with who and when, a note to record it, a reason to withdraw
it), uploads, 退回村级 and 撤销近亲属备案; a refusal shows the page again with the error at
its field and the summary, and saves nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archive.services import document_upload
from cases.intake.services.application import checklist_verify_original
from cases.intake.services.near_relatives import near_relative_register
from cases.intake.tests.helpers import SPOUSE_ID, application
from cases.models import CaseEvent, CaseState, ChecklistEntry, NearRelative
from cases.rules import VERIFY_ORIGINAL, WITHDRAW_VERIFICATION
from tests.uploads import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

SUMMARY = "提交未成功，请修改以下内容"


def intake_html(client, case) -> str:
    response = client.get(reverse("cases:intake", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def item_html(html: str, code: str) -> str:
    start = html.index(f'data-testid="checklist-{code}"')
    return html[start : html.index("</li>", start)]


def test_each_item_shows_its_uploads_or_a_note_to_record_the_original(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk)
    document_upload(
        case=case,
        kind="id_card",
        uploaded_file=SimpleUploadedFile("id.png", png_bytes()),
        actor=clerk,
    )
    document_upload(
        case=case,
        kind="id_card",
        uploaded_file=SimpleUploadedFile("id2.png", png_bytes()),
        actor=clerk,
    )
    client.force_login(clerk)
    html = intake_html(client, case)
    assert "已上传 2 份" in item_html(html, "id_card")
    assert 'name="note-id_card"' not in html  # present through its uploads
    hukou = item_html(html, "hukou")
    assert 'name="note-hukou"' in hukou and 'name="verify" value="hukou"' in hukou
    assert "未提供" in hukou
    assert 'type="checkbox"' not in html[html.index('data-testid="checklist"') :].split("</ul>")[0]


def test_recording_an_original_without_a_note_is_refused_at_its_input(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk)
    client.force_login(clerk)
    response = client.post(
        reverse("cases:checklist", args=[case.pk]), {"verify": "hukou", "note-hukou": "  "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert SUMMARY in html and 'href="#checklist_note-hukou"' in html
    assert 'data-error-for="note-hukou">请填写核验说明' in html
    assert 'aria-invalid="true"' in item_html(html, "hukou")
    assert not ChecklistEntry.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, transition=VERIFY_ORIGINAL).exists()


def test_a_recorded_original_shows_note_who_and_when_and_is_withdrawn_with_a_reason(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk)
    client.force_login(clerk)
    url = reverse("cases:checklist", args=[case.pk])
    response = client.post(url, {"verify": "hukou", "note-hukou": "户口簿原件已核验"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:intake", args=[case.pk]) + "#documents"
    hukou = item_html(intake_html(client, case), "hukou")
    assert "原件已核验" in hukou and "户口簿原件已核验" in hukou and str(clerk) in hukou
    assert 'name="reason-hukou"' in hukou and 'name="note-hukou"' not in hukou

    response = client.post(url, {"withdraw": "hukou", "reason-hukou": ""})
    assert response.status_code == 400
    assert 'data-error-for="reason-hukou">请填写撤销原因' in response.content.decode()
    assert ChecklistEntry.objects.get(case=case, item__code="hukou").provided
    assert not CaseEvent.objects.filter(case=case, transition=WITHDRAW_VERIFICATION).exists()

    assert client.post(url, {"withdraw": "hukou", "reason-hukou": "核验有误"}).status_code == 302
    assert not ChecklistEntry.objects.get(case=case, item__code="hukou").provided
    assert CaseEvent.objects.filter(case=case, transition=WITHDRAW_VERIFICATION).count() == 1


def test_the_whole_list_at_once_is_refused_at_the_note_of_an_item_without_upload(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk)
    client.force_login(clerk)
    response = client.post(
        reverse("cases:checklist", args=[case.pk]),
        {"provided": ["id_card", "hukou"], "note-id_card": "原件已核验"},
    )
    assert response.status_code == 400
    assert 'data-error-for="note-hukou">' in response.content.decode()
    assert not ChecklistEntry.objects.filter(case=case, provided=True).exists()


def test_a_village_assistant_may_not_record_an_original(demo, client):
    case = application(demo.user("clerk"))
    client.force_login(demo.user("assistant"))
    response = client.post(
        reverse("cases:checklist", args=[case.pk]), {"verify": "hukou", "note-hukou": "已核验"}
    )
    assert response.status_code == 400 and "此操作须由" in response.content.decode()
    assert not ChecklistEntry.objects.filter(case=case).exists()


def test_an_upload_without_a_file_or_kind_is_refused_at_the_fields(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk)
    client.force_login(clerk)
    response = client.post(reverse("cases:document_upload", args=[case.pk]), {"kind": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert SUMMARY in html
    assert 'data-error-for="file">请选择要上传的文件' in html
    assert 'data-error-for="kind">请选择文件类别' in html
    assert not case.documents.exists()


def test_one_bad_file_of_several_stores_none_and_names_the_file(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk)
    client.force_login(clerk)
    response = client.post(
        reverse("cases:document_upload", args=[case.pk]),
        {
            "kind": "hukou",
            "file": [
                SimpleUploadedFile("good.pdf", pdf_bytes()),
                SimpleUploadedFile("bad.pdf", b"MZ\x90\x00 an exe"),
            ],
        },
    )
    assert response.status_code == 400
    assert 'data-error-for="file">bad.pdf：' in response.content.decode()
    assert not case.documents.exists()
    response = client.post(
        reverse("cases:document_upload", args=[case.pk]),
        {"kind": "hukou", "file": [SimpleUploadedFile("good.pdf", pdf_bytes())]},
    )
    assert response.status_code == 302 and case.documents.count() == 1
    assert "已上传 1 份" in item_html(intake_html(client, case), "hukou")


def test_returning_to_the_village_without_a_reason_is_refused_at_the_field(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk)
    client.force_login(clerk)
    url = reverse("cases:intake_return", args=[case.pk])
    response = client.post(url, {"reason": " "})
    assert response.status_code == 400
    html = response.content.decode()
    assert SUMMARY in html and 'data-error-for="reason">请填写退回原因' in html
    assert 'href="#return_reason"' in html
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT and not case.events.exists()
    assert client.post(url, {"reason": "缺少户口簿"}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.RETURNED_TO_VILLAGE


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("checklist", {"verify": "hukou", "note-hukou": "已核验"}),
        ("document_upload", {"kind": "hukou"}),
        ("intake_return", {"reason": "缺材料"}),
    ],
)
def test_another_townships_case_answers_404_and_changes_nothing(demo, client, name, data):
    case = application(demo.user("clerk_huangchi"))
    client.force_login(demo.user("clerk"))
    assert client.post(reverse(f"cases:{name}", args=[case.pk]), data).status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT and not ChecklistEntry.objects.exists()


def test_a_recorded_original_cannot_be_recorded_twice(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk)
    checklist_verify_original(case=case, actor=clerk, code="hukou", note="原件已核验")
    client.force_login(clerk)
    response = client.post(
        reverse("cases:checklist", args=[case.pk]), {"verify": "hukou", "note-hukou": "再次"}
    )
    html = response.content.decode()
    assert response.status_code == 400 and "<li>“居民户口簿”已记录原件核验</li>" in html
    assert CaseEvent.objects.filter(case=case, transition=VERIFY_ORIGINAL).count() == 1


def test_revoking_a_near_relative_entry_without_a_reason_is_refused_at_its_row(demo, client):
    entry = near_relative_register(
        actor=demo.user("clerk"),
        data={
            "worker_name": "周丽华",
            "worker_position": "civil_affairs",
            "relative_name": "李秀兰",
            "relative_id_number": SPOUSE_ID,
            "relation": "母亲",
        },
    )
    client.force_login(demo.user("approver"))
    url = reverse("cases:near_relative_deactivate", args=[entry.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert SUMMARY in html and f'href="#deactivate{entry.pk}_reason"' in html
    assert 'data-error-for="reason">请填写撤销理由' in html
    assert NearRelative.objects.get(pk=entry.pk).active
    response = client.post(url, {"reason": "长" * 201})
    assert response.status_code == 400 and "不能超过200个字" in response.content.decode()
    assert client.post(url, {"reason": "登记有误"}).status_code == 302
    assert not NearRelative.objects.get(pk=entry.pk).active


def test_withdrawing_an_item_that_was_never_verified_is_refused_on_top(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk)
    client.force_login(clerk)
    response = client.post(
        reverse("cases:checklist", args=[case.pk]), {"withdraw": "hukou", "reason-hukou": "x"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert SUMMARY in html and "<li>该材料没有原件核验记录</li>" in html
    assert not CaseEvent.objects.filter(case=case).exists()
