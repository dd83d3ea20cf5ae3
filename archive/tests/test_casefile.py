import datetime
import hashlib
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from archive.casefile.build import build_case_file
from archive.casefile.numbers import archive_number_for
from archive.casefile.sections import PARTS
from archive.models import ArchiveAccessLog, ArchiveNumber, CaseFileRecord, Document
from archive.tests.helpers import STEPS, full_case, pdf_bytes, png_bytes, upload
from relief.policy import policy_set

pytestmark = pytest.mark.django_db


def pages_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def get_file(client, user, case):
    client.force_login(user)
    response = client.get(reverse("casefile:pdf", args=[case.pk]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def toc_entries(text: str) -> list[tuple[str, int]]:
    """'3. 家庭成员及经济状况 ..... 4' → ('3. 家庭成员及经济状况', 4)."""
    entries = []
    for line in text.splitlines():
        m = re.match(r"^(\d+\. \S+?)\s*(?:\.{3,})?\s*(\d+)\s*$", line.strip())
        if m:
            entries.append((m.group(1), int(m.group(2))))
    return entries


def test_the_case_file_has_every_signer_and_opinion_in_log_order_and_the_amount(demo, client):
    case = full_case(demo)
    text = "\n".join(pages_text(get_file(client, demo.user("clerk"), case)))
    for _, title in PARTS:
        assert title in text, f"part {title} missing"
    review = text[text.rindex("9. 审核确认表") :]  # the part itself, not its TOC line
    review = review[: review.index("10. 备案及县级监管")].replace("\n", "")
    events = list(case.events.order_by("created_at", "pk"))
    assert len(events) >= len(STEPS) + 1  # 受理 and every step of the route
    position = 0
    for event in events:
        found = review.find(event.label, position)
        assert found >= 0, f"{event.label} missing or out of order"
        name_at = review.find(event.actor_name, found)
        assert name_at >= 0, f"signer {event.actor_name} of {event.label} missing"
        if event.opinion:
            assert event.opinion in review[found:], event.opinion
        position = found + len(event.label)
    computation = case.amount_computations.first()
    assert computation.standard_label in review
    for step in computation.steps:
        assert step.replace(" ", "") in review.replace(" ", "")
    assert f"{case.monthly_amount} 元" in review


def test_page_count_footers_and_toc_page_numbers_agree(demo, client):
    case = full_case(demo)
    content = get_file(client, demo.user("clerk"), case)
    texts = pages_text(content)
    total = len(texts)
    for n, page in enumerate(texts, start=1):
        assert f"第 {n} 页 共 {total} 页" in page
        assert f"案件编号 {case.number}" in page
        assert "档号 " in page
    entries = toc_entries(texts[1])
    assert [title for title, _ in entries] == [f"{i}. {t}" for i, (_, t) in enumerate(PARTS, 1)]
    assert entries[0][1] == 1
    for title, page in entries[1:]:
        assert title in texts[page - 1], f"{title} is not on page {page}"


def test_uploaded_pdf_pages_are_merged_and_images_placed_with_captions(demo, client):
    case = full_case(demo)
    clerk = demo.user("clerk")
    upload(case, clerk, "hukou.pdf", pdf_bytes("户口簿扫描", 3), kind="hukou", title="户口簿")
    upload(case, clerk, "id.png", png_bytes((10, 120, 10)), kind="id_card", title="身份证正面")
    texts = pages_text(get_file(client, clerk, case))
    merged = [i for i, t in enumerate(texts) if "户口簿扫描" in t]
    assert len(merged) == 3
    for k, index in enumerate(merged, start=1):
        assert f"户口簿扫描 第{k}页" in texts[index]
        assert f"第{k}/3页" in texts[index]  # the caption on the placeholder page
        assert f"第 {index + 1} 页 共 {len(texts)} 页" in texts[index]  # the file's footer
    assert any("身份证正面" in t and "id.png" in t for t in texts[merged[-1] + 1 :])
    # survey photo and check report sit in their own parts, before the appended scans
    report_pages = [i for i, t in enumerate(texts) if "核对报告原件 第" in t]
    assert len(report_pages) == 2 and report_pages[-1] < merged[0]


def _stored_unchecked(case, user, name: str, content: bytes, content_type: str) -> Document:
    """A stored file that no longer parses (uploads are parsed before they are accepted, so
    such a file can only be an older upload or damaged storage): written past the service."""
    doc = Document(
        case=case,
        kind="evidence",
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    doc.file.save(name, ContentFile(content), save=False)
    doc.save()
    return doc


def test_a_corrupt_upload_is_listed_as_unreadable_and_the_file_is_still_made(demo, client):
    case = full_case(demo, scans=False)
    clerk = demo.user("clerk")
    _stored_unchecked(case, clerk, "broken.pdf", b"%PDF-1.7\n not a real pdf", "application/pdf")
    _stored_unchecked(case, clerk, "broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png")
    text = "\n".join(pages_text(get_file(client, clerk, case)))
    assert "broken.pdf" in text and "PDF文件损坏" in text
    assert "broken.png" in text and "图片文件损坏" in text


def test_each_generated_file_is_recorded_with_its_sha256_and_who_made_it(demo, client):
    case = full_case(demo, scans=False)
    content = get_file(client, demo.user("approver"), case)
    record = CaseFileRecord.objects.get(case=case)
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.generated_by == demo.user("approver")
    assert record.pages == len(PdfReader(io.BytesIO(content)).pages)
    assert ArchiveAccessLog.objects.filter(action="case_file", case_ids=[case.pk]).exists()
    assert "生成时间" in pages_text(content)[0]


def test_the_same_record_at_the_same_stamp_gives_the_same_bytes(demo):
    case = full_case(demo)
    stamp = timezone.localtime(timezone.now().replace(microsecond=0))
    first = build_case_file(case, archive_number="A1", generated_at=stamp)
    second = build_case_file(case, archive_number="A1", generated_at=stamp)
    assert first.content == second.content


def test_archive_numbers_follow_the_policy_pattern_and_are_assigned_once(demo):
    first = full_case(demo, scans=False)
    number = archive_number_for(first)
    year = first.decided_on.year
    assert number.number == f"340521{year}DB0001"
    assert archive_number_for(first).pk == number.pk
    policy_set(
        region=demo.county,
        key="archive_number_pattern",
        raw_value="{township}-{year}-{type}-{seq:05d}",
        effective_from=datetime.date(2020, 1, 1),
        actor=demo.user("admin"),
    )
    second = full_case(demo, scans=False)
    assert archive_number_for(second).number == f"340521100-{year}-DB-00001"
    assert archive_number_for(first).number == f"340521{year}DB0001"  # never renumbered
    assert ArchiveNumber.objects.count() == 2


def test_another_townships_case_file_is_not_found(demo, client):
    case = full_case(demo, scans=False)
    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(reverse("casefile:pdf", args=[case.pk])).status_code == 404
    assert not CaseFileRecord.objects.exists()


def test_a_village_assistant_may_not_generate_the_file(demo, client):
    case = full_case(demo, scans=False)
    client.force_login(demo.user("assistant"))
    assert client.get(reverse("casefile:pdf", args=[case.pk])).status_code == 403


def test_the_checklist_part_counts_an_upload_or_a_verified_original_as_present(demo):
    """Part 4 reads the checklist rule (cases.rules.checklist_for_case): an item is present
    through an uploaded document of its kind or a signed 原件已核验 record with its note."""
    from django.template.loader import render_to_string

    from archive.casefile.sections import case_file_context
    from cases.intake.services.application import checklist_verify_original
    from cases.intake.tests.helpers import application

    clerk = demo.user("clerk")
    case = application(clerk)
    upload(case, clerk, "id.png", png_bytes(), kind="id_card")
    checklist_verify_original(case=case, actor=clerk, code="hukou", note="户口簿原件已核验")
    context = case_file_context(case, scans=[], survey_scans=[], check_scans=[])
    rows = {r["code"]: r for r in context["checklist"]}
    assert rows["id_card"]["provided"] and rows["id_card"]["attached"] == 1
    assert rows["hukou"]["provided"] and rows["hukou"]["verified"]
    assert rows["hukou"]["note"] == "户口簿原件已核验"
    assert not rows["application"]["provided"]
    html = render_to_string("archive/casefile/file.html", context)
    part = html[html.index('id="part-documents"') : html.index('id="part-survey"')]
    assert "已上传 1 份" in part
    assert f"原件已核验：{clerk}" in part and "户口簿原件已核验" in part
    assert part.count("未提供") == sum(1 for r in rows.values() if not r["provided"])


def test_the_notice_part_lists_the_batches_the_photo_and_the_objections_with_feedback(demo):
    from cases.models import CaseState
    from cases.notices.models import NoticeKind
    from cases.notices.services import (
        batch_create,
        batch_publish,
        batch_upload_photo,
        objection_feedback,
        objection_record,
    )
    from cases.workflow.tests.helpers import make_case
    from relief.models import Region

    clerk = demo.user("clerk")
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    batch = batch_create(
        actor=clerk,
        village=Region.objects.get(pk=case.village_id),
        kind=NoticeKind.PRE,
        cases=[case],
        starts_on=timezone.localdate(),
        place="村委会公示栏",
        phone="0555-1234567",
    )
    batch = batch_publish(batch=batch, actor=clerk)
    wall = SimpleUploadedFile("wall.png", png_bytes((30, 90, 160)), content_type="image/png")
    assert batch_upload_photo(batch=batch, actor=clerk, uploaded_file=wall) == 1
    outcome = objection_record(
        case=case, text="该户有经营性车辆未申报", actor=clerk, batch=batch, raised_by="张三"
    )
    objection = objection_feedback(
        objection=outcome.objection, actor=clerk, feedback="经复查属实，已重新核算"
    )
    case.refresh_from_db()
    built = build_case_file(case, archive_number="T-1", generated_at=timezone.localtime())
    texts = pages_text(built.content)
    part = "".join(texts[built.part_pages["notices"] - 1 : built.part_pages["review"] - 1])
    part = part.replace("\n", "")
    batch.refresh_from_db()
    for expected in (
        f"公示批次 {batch.number}",
        "确认前公示",
        f"{batch.starts_on:%Y年%-m月%-d日} 至 {batch.ends_on:%Y年%-m月%-d日}",
        "村委会公示栏",
        "因异议退出公示",
        "该户有经营性车辆未申报",
        "张三",
        objection.get_status_display(),
        "经复查属实，已重新核算",
    ):
        assert expected in part, expected
    photo = next(s for s in built.scans if s.document.title == f"公示张贴照片（{batch.number}）")
    assert f"见附件{photo.number}" in part
    # The photo itself is a page of part 12, with its caption.
    assert any(
        f"附件{photo.number}" in t and "wall.png" in t for t in texts[built.part_pages["scans"] :]
    )
