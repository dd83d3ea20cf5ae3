"""The printed notice: 60 households over several pages with the header on each, masked
names, no ID number anywhere in the text, and a QR code to the batch's public page."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import resolve, reverse
from django.utils import timezone
from pypdf import PdfReader

from cases.models import CaseState
from cases.notices.models import NoticeKind
from cases.notices.pdf import notice_context, notice_pdf, public_url, qr_data_uri
from cases.notices.services import batch_create, batch_publish
from relief.models import AssistanceType, Region
from tests.factories import CaseFactory, HouseholdFactory, MemberFactory

HEADER = "户主姓名"
ID_NUMBER = re.compile(r"\d{17}[\dXx]")


def _households(village: Region, n: int) -> list:
    """``n`` cases ready for a notice, applicants named with 1 to 4 characters and a
    compound surname, each household of two members with ID numbers."""
    names = ["李", "王芳", "欧阳娜娜", "张三丰", "司马光明", "赵"]
    cases = []
    for i in range(n):
        household = HouseholdFactory(village=village, township=village.parent)
        applicant = MemberFactory(household=household, name=names[i % len(names)])
        MemberFactory(household=household, name="家属")
        cases.append(
            CaseFactory(
                household=household,
                applicant=applicant,
                assistance_type=AssistanceType.objects.get(code="dibao_rural"),
                documents_complete=True,
                force_state=CaseState.PRE_NOTICE,
                near_relative_flag=(i == 2),
            )
        )
    return cases


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.django_db
def test_a_notice_of_60_households_runs_over_pages_with_the_header_and_no_id_number(demo):
    village = demo.village
    cases = _households(village, 60)
    batch = batch_create(
        actor=demo.user("clerk"),
        village=village,
        kind=NoticeKind.PRE,
        cases=cases,
        starts_on=timezone.localdate(),
        place="城东社区公示栏",
        phone="0555-6661234",
    )
    batch = batch_publish(batch=batch, actor=demo.user("clerk"))
    pages = _text(notice_pdf(batch))
    per_page = 25  # the policy's default notice_rows_per_page

    assert len(pages) >= 3
    assert all(HEADER in page and "家庭人口" in page for page in pages)
    text = "\n".join(pages)
    assert "社会救助审核确认前公示" in text and "姑孰镇人民政府" in text
    assert "0555-6661234" in text and "12349" in text and "（盖章）" in text
    assert f"共 {len(pages)} 页" in pages[0]
    # Every household once, numbered; the rows per page follow the setting.
    for position in (1, per_page, per_page + 1, 60):
        assert re.search(rf"(^|\s){position}\s", text), position
    # No ID number, address or full name anywhere; masked names with the surname kept.
    members = [m for c in cases for m in c.household.members.all()]
    assert not ID_NUMBER.search(text.replace(" ", ""))
    assert all(m.id_number not in text for m in members)
    assert all(c.household.address not in text for c in cases)
    for full, masked in (("王芳", "王*"), ("欧阳娜娜", "欧阳**"), ("张三丰", "张**")):
        assert full not in text and masked in text
    assert "司马光明" not in text and "司马**" in text
    assert "李*" in text  # a one-character name still shows a mask


@pytest.mark.django_db
def test_the_qr_code_leads_to_the_batchs_public_page(demo, settings, rf):
    (case,) = _households(demo.village, 1)
    batch = batch_create(
        actor=demo.user("clerk"),
        village=demo.village,
        kind=NoticeKind.PRE,
        cases=[case],
        starts_on=timezone.localdate(),
        place="公示栏",
        phone="0555-6661234",
    )
    path = reverse("public-notice-batch", args=[batch.token])
    assert resolve(path).url_name == "public-notice-batch"

    settings.PUBLIC_BASE_URL = "https://mz.example.gov.cn/"
    assert public_url(batch) == f"https://mz.example.gov.cn{path}"
    context = notice_context(batch)
    assert context["public_url"] == f"https://mz.example.gov.cn{path}"
    assert context["qr"] == qr_data_uri(f"https://mz.example.gov.cn{path}")

    settings.PUBLIC_BASE_URL = ""
    request = rf.get("/")
    assert public_url(batch, request=request) == f"http://testserver{path}"
    # A draft prints as a preview, marked so that nobody posts it.
    assert "草稿预览" in "".join(_text(notice_pdf(batch)))


@pytest.mark.django_db
def test_the_notice_shows_each_households_village_group_frozen_at_publication(demo):
    cases = _households(demo.village, 3)
    for case, group in zip(cases, ("第3村民小组", "十二组", ""), strict=True):
        case.household.village_group = group
        case.household.save(update_fields=["village_group"])
    batch = batch_create(
        actor=demo.user("clerk"),
        village=demo.village,
        kind=NoticeKind.PRE,
        cases=cases,
        starts_on=timezone.localdate(),
        place="公示栏",
        phone="0555-6661234",
    )
    # The draft preview reads the households as they are.
    draft = "".join(_text(notice_pdf(batch)))
    assert "村民小组" in draft and "第3村民小组" in draft and "十二组" in draft
    batch = batch_publish(batch=batch, actor=demo.user("clerk"))
    assert [e.village_group for e in batch.entries.order_by("position")] == [
        "第3村民小组",
        "十二组",
        "",
    ]
    # Published, the paper shows what was frozen, whatever the household says afterwards;
    # a household without a group shows a dash, not the village (the heading names it).
    cases[0].household.village_group = "第9村民小组"
    cases[0].household.save(update_fields=["village_group"])
    rows = [r for r in notice_context(batch)["pages"][0]]
    assert [r.village_group for r in rows] == ["第3村民小组", "十二组", "—"]
    text = "".join(_text(notice_pdf(batch)))
    assert "第3村民小组" in text and "十二组" in text and "第9村民小组" not in text
    assert "村民小组" in text and "村(社区)" not in text.split("户主姓名")[1]
