import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archive.services import document_upload
from cases.intake.services.amounts import case_compute_amount
from cases.intake.services.checks import check_request
from cases.intake.services.household import member_save
from cases.intake.services.near_relatives import near_relative_register
from cases.intake.tests.helpers import APPLICANT_ID, SPOUSE_ID, accepted, application, force, member
from cases.models import Case, CaseState, Member
from relief.models import AssistanceType, DataReveal
from tests.factories import make_id_number
from tests.uploads import pdf_bytes, png_bytes

PNG = png_bytes()


def login(client, user):
    client.force_login(user)
    return client


def test_clerk_registers_an_application_in_the_browser(client, demo):
    login(client, demo.user("clerk"))
    assert client.get(reverse("cases:application_new")).status_code == 200

    post = {
        "assistance_type": AssistanceType.objects.get(code="dibao_rural").pk,
        "village": demo.village.pk,
        "source": "application",
        "address": "城东社区1号",
        "hukou_type": "rural",
        "members-TOTAL_FORMS": 6,
        "members-INITIAL_FORMS": 0,
        "members-0-name": "王德福",
        "members-0-id_number": APPLICANT_ID,
        "members-0-relation": "self",
        "members-0-hukou_type": "rural",
        "members-0-covered": "on",
        "members-1-name": "李秀兰",
        "members-1-id_number": SPOUSE_ID,
        "members-1-relation": "spouse",
        "members-1-hukou_type": "rural",
        "members-1-covered": "on",
    }
    response = client.post(reverse("cases:application_new"), post)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:intake", args=[case.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "王德福" in page and "李秀兰" in page


def test_an_invalid_id_is_reported_at_its_row_and_nothing_is_saved(client, demo):
    login(client, demo.user("clerk"))

    post = {
        "assistance_type": AssistanceType.objects.get(code="dibao_rural").pk,
        "village": demo.village.pk,
        "source": "application",
        "address": "城东社区1号",
        "hukou_type": "rural",
        "members-TOTAL_FORMS": 6,
        "members-INITIAL_FORMS": 0,
        "members-0-name": "王德福",
        "members-0-id_number": APPLICANT_ID,
        "members-0-relation": "self",
        "members-0-hukou_type": "rural",
        "members-2-name": "李秀兰",
        "members-2-id_number": "130402198207290622",
        "members-2-relation": "spouse",
        "members-2-hukou_type": "rural",
    }
    response = client.post(reverse("cases:application_new"), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-for="members-2-id_number">身份证号校验码错误' in html
    assert not Case.objects.exists() and not Member.objects.exists()


@pytest.mark.parametrize(
    "name", ["intake", "household_edit", "member_add", "survey", "tekun_assessment"]
)
def test_another_townships_case_pages_are_404(client, demo, name):
    case = application(demo.user("clerk_huangchi"))
    login(client, demo.user("clerk"))
    assert client.get(reverse(f"cases:{name}", args=[case.pk])).status_code == 404


def test_another_townships_household_member_and_document_are_404(client, demo):
    other = application(demo.user("clerk_huangchi"))
    doc = document_upload(
        case=other,
        kind="evidence",
        uploaded_file=SimpleUploadedFile("a.png", PNG),
        actor=demo.user("clerk_huangchi"),
    )
    login(client, demo.user("clerk"))
    member = other.household.members.first()
    mine = application(
        demo.user("clerk"),
        members=[
            {
                "name": "张三",
                "id_number": make_id_number(birth=datetime.date(1950, 2, 2), seq=7),
                "relation": "self",
                "hukou_type": "rural",
            }
        ],
    )
    # a member of another household addressed through my own case is not found either
    assert client.get(reverse("cases:member_edit", args=[mine.pk, member.pk])).status_code == 404
    assert client.get(reverse("archive:document", args=[doc.pk])).status_code == 404
    client.force_login(demo.user("clerk_huangchi"))
    response = client.get(reverse("archive:document", args=[doc.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


def test_village_assistant_sees_only_her_village(client, demo):
    case = application(demo.user("clerk"))  # 城东社区 = the assistant's village
    other = application(demo.user("clerk_wuxi"))
    login(client, demo.user("assistant"))
    assert client.get(reverse("cases:intake", args=[case.pk])).status_code == 200
    assert client.get(reverse("cases:intake", args=[other.pk])).status_code == 404


def test_a_file_that_is_not_what_it_claims_is_refused_on_upload(client, demo):
    case = application(demo.user("clerk"))
    login(client, demo.user("clerk"))
    fake = SimpleUploadedFile(
        "scan.pdf", b"MZ\x90\x00 this is an exe", content_type="application/pdf"
    )
    response = client.post(
        reverse("cases:document_upload", args=[case.pk]),
        {"kind": "id_card", "file": fake},
        follow=True,
    )
    assert "不是PDF、JPEG或PNG" in response.content.decode()
    assert not case.documents.exists()


def test_check_queue_lists_requests_in_the_county_with_constant_queries(
    client, demo, django_assert_max_num_queries
):
    clerk = demo.user("clerk")
    for i in range(3):
        c = application(
            clerk,
            members=[
                {
                    "name": f"户主{i}",
                    "id_number": make_id_number(birth=datetime.date(1950, 1, 1 + i), seq=20 + i),
                    "relation": "self",
                    "hukou_type": "rural",
                }
            ],
        )
        check_request(case=accepted(c, clerk), actor=clerk)
    login(client, demo.user("verifier"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("cases:check_queue"))
    assert response.content.decode().count("录入报告") == 3
    login(client, clerk)
    assert client.get(reverse("cases:check_queue")).status_code == 403


def test_verifier_returns_a_report_in_the_browser_and_a_non_pdf_report_is_refused(client, demo):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)
    check = check_request(case=case, actor=clerk)
    login(client, demo.user("verifier"))
    url = reverse("cases:check_return", args=[check.pk])
    base = {
        "conclusion": "meets",
        "results-0-monthly_income": "0",
        "results-1-monthly_income": "500",
    }
    response = client.post(url, {**base, "report": SimpleUploadedFile("r.pdf", PNG)})
    assert response.status_code == 400 and "内容是PNG图片" in response.content.decode()
    response = client.post(url, {**base, "report": SimpleUploadedFile("r.pdf", pdf_bytes())})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.check_status == "returned"


def test_the_check_return_page_masks_the_members_id_numbers_with_a_logged_reveal(client, demo):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)
    check = check_request(case=case, actor=clerk)
    login(client, demo.user("verifier"))
    page = client.get(reverse("cases:check_return", args=[check.pk])).content.decode()
    assert APPLICANT_ID not in page
    assert APPLICANT_ID[:4] + "*" * 10 + APPLICANT_ID[-4:] in page
    applicant = case.household.members.get(id_number=APPLICANT_ID)
    reveal_url = reverse("cases:member_id_reveal", args=[applicant.pk])
    assert reveal_url in page and not DataReveal.objects.exists()
    assert APPLICANT_ID in client.post(reveal_url).content.decode()
    assert DataReveal.objects.get().user.username == "verifier"


def test_document_notice_page_lists_missing_items(client, demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    login(client, clerk)
    client.post(  # originals seen, each recorded with its note (no upload, no bare tick)
        reverse("cases:checklist", args=[case.pk]),
        {
            "provided": ["id_card", "application"],
            "note-id_card": "原件已核验",
            "note-application": "原件已核验",
        },
    )
    response = client.post(reverse("cases:document_notice", args=[case.pk]), follow=True)
    html = response.content.decode()
    assert "一次性告知书" in html and "居民户口簿" in html and "居民身份证" not in html
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_DOCUMENTS


def test_near_relative_page_registers_and_flags(client, demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    login(client, clerk)
    assert client.get(reverse("cases:near_relatives")).status_code == 200
    response = client.post(
        reverse("cases:near_relatives"),
        {
            "township": demo.gushu.pk,
            "worker_name": "赵村委",
            "worker_position": "village_committee",
            "relative_name": "王德福",
            "relative_id_number": "130402198207290622",
            "relation": "父亲",
        },
    )
    assert response.status_code == 400 and "校验码" in response.content.decode()
    response = client.post(
        reverse("cases:near_relatives"),
        {
            "township": demo.gushu.pk,
            "worker_name": "赵村委",
            "worker_position": "village_committee",
            "relative_name": "王德福",
            "relative_id_number": APPLICANT_ID,
            "relation": "父亲",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.near_relative_flag
    assert "近亲属备案案件" in client.get(reverse("cases:intake", args=[case.pk])).content.decode()


def test_survey_page_saves_a_draft_and_reports_one_investigator(client, demo):
    clerk = demo.user("clerk")
    case = force(accepted(application(clerk), clerk), CaseState.VISITING)
    login(client, demo.user("assistant"))
    url = reverse("cases:survey", args=[case.pk])
    data = {
        "visit_date": datetime.date.today().isoformat(),
        "investigators": ["张秀英", ""],
        "living_conditions": "土坯房",
        "findings": "属实",
    }
    response = client.post(url, {**data, "action": "finish"})
    assert response.status_code == 400 and "至少2名调查人员" in response.content.decode()
    assert client.post(url, {**data, "action": "draft"}).status_code == 302
    case.refresh_from_db()
    assert case.survey_status == "draft"


def test_the_case_detail_page_shows_the_intake_partials(client, demo):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)

    member_save(
        case=case,
        actor=clerk,
        member=case.household.members.get(relation="spouse"),
        data=member("李秀兰", SPOUSE_ID, "spouse", serious_illness="糖尿病"),
    )
    case_compute_amount(case=case, actor=clerk)
    login(client, clerk)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "居民户口簿" in html  # checklist partial
    assert "受理后的修改记录" in html and "重病/慢性病 “”→“已登记”" in html  # versioned edits
    assert "糖尿病" not in html  # health is masked in the history too
    assert "计算过程" in html and "低保标准" in html  # how this was computed


def test_another_townships_near_relative_entry_cannot_be_revoked(client, demo):
    entry = near_relative_register(
        actor=demo.user("clerk_huangchi"),
        data={
            "worker_name": "周丽华",
            "worker_position": "civil_affairs",
            "relative_name": "李秀兰",
            "relative_id_number": SPOUSE_ID,
            "relation": "母亲",
        },
    )
    login(client, demo.user("clerk"))
    assert (
        client.post(reverse("cases:near_relative_deactivate", args=[entry.pk])).status_code == 404
    )
    assert "李秀兰" not in client.get(reverse("cases:near_relatives")).content.decode()
    entry.refresh_from_db()
    assert entry.active


def test_member_form_reports_a_sex_that_disagrees_with_the_id_at_the_field(client, demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    login(client, clerk)
    child_id = make_id_number(birth=datetime.date(2012, 1, 20), male=True, seq=13)
    response = client.post(
        reverse("cases:member_add", args=[case.pk]),
        {
            "name": "王小宝",
            "id_number": child_id,
            "relation": "child",
            "hukou_type": "rural",
            "sex": "F",
            "covered": "on",
        },
    )
    assert response.status_code == 400
    assert 'data-error-for="sex">性别与身份证号不符' in response.content.decode()
    assert case.household.members.count() == 2


def test_tekun_assessment_form_and_amount(client, demo):
    clerk = demo.user("clerk")
    case = application(
        clerk,
        members=[
            {"name": "王德福", "id_number": APPLICANT_ID, "relation": "self", "hukou_type": "rural"}
        ],
        type_code="tekun_dispersed",
    )
    login(client, clerk)
    response = client.post(
        reverse("cases:tekun_assessment", args=[case.pk]),
        {
            "can_eat": "on",
            "can_dress": "on",
            "can_transfer": "on",
            "can_toilet": "on",
            "support_mode": "dispersed",
        },
    )
    assert response.status_code == 302
    client.post(reverse("cases:compute_amount", args=[case.pk]))
    case.refresh_from_db()
    # 68 years old, two items unmet → partly lost: 1027 + 350
    assert str(case.monthly_amount) == "1377.00"


def test_near_relative_list_uses_constant_queries(client, demo, django_assert_max_num_queries):
    clerk = demo.user("clerk")
    for i in range(4):
        near_relative_register(
            actor=clerk,
            data={
                "worker_name": f"工作人员{i}",
                "worker_position": "civil_affairs",
                "worker_user": demo.user("approver").pk,
                "relative_name": f"亲属{i}",
                "relative_id_number": make_id_number(
                    birth=datetime.date(1970, 3, 1 + i), seq=60 + i
                ),
                "relation": "兄弟",
            },
        )
    login(client, clerk)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("cases:near_relatives"))
    assert response.content.decode().count("工作人员") >= 4


def test_correcting_an_id_on_the_member_page_derives_birth_date_and_sex_again(client, demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    spouse = case.household.members.get(relation="spouse")
    login(client, clerk)
    url = reverse("cases:member_edit", args=[case.pk, spouse.pk])
    page = client.get(url).content.decode()
    assert 'value="1961-08-02"' in page  # the page shows the date derived from the old number
    corrected = make_id_number(birth=datetime.date(1963, 5, 4), male=True, seq=14)
    post = {
        "name": "李秀兰",
        "id_number": corrected,
        "relation": "spouse",
        "hukou_type": "rural",
        "sex": "F",  # both still as the page showed them for the old number
        "birth_date": "1961-08-02",
        "work_capacity": "full",
        "covered": "on",
    }
    assert client.post(url, post).status_code == 302
    spouse.refresh_from_db()
    assert spouse.id_number == corrected
    assert (spouse.birth_date, spouse.sex) == (datetime.date(1963, 5, 4), "M")


def test_a_refused_member_page_post_saves_nothing_and_names_the_field(client, demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    login(client, clerk)
    response = client.post(
        reverse("cases:member_add", args=[case.pk]),
        {
            "name": "王" * 41,
            "id_number": SPOUSE_ID,  # already in the household: the service's rule
            "relation": "child",
            "hukou_type": "rural",
            "disability_grade": "7",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-error-for="name">不能超过40个字（现为41个字）' in html
    assert 'data-error-for="disability_grade">残疾等级应为1至4级' in html
    assert 'aria-invalid="true" aria-describedby="id_name_error"' in html
    assert 'href="#id_name"' in html  # the summary links to the field
    assert case.household.members.count() == 2
    response = client.post(
        reverse("cases:member_add", args=[case.pk]),
        {"name": "王小宝", "id_number": SPOUSE_ID, "relation": "child", "hukou_type": "rural"},
    )
    assert response.status_code == 400
    assert 'data-error-for="id_number">该身份证号已在本户登记' in response.content.decode()
    assert case.household.members.count() == 2


def items_post(rows: list[dict], initial: int) -> dict:
    post = {"items-TOTAL_FORMS": len(rows), "items-INITIAL_FORMS": initial}
    for i, row in enumerate(rows):
        post.update({f"items-{i}-{k}": v for k, v in row.items()})
    return post


def test_the_income_page_saves_every_row_or_none(client, demo):
    from cases.intake.services.household import household_item_save

    clerk = demo.user("clerk")
    case = application(clerk)
    wage = household_item_save(
        case=case, actor=clerk, kind="income", data={"category": "wage", "monthly_amount": "800"}
    )
    login(client, clerk)
    url = reverse("cases:items_edit", args=[case.pk, "income"])
    page = client.get(url).content.decode()
    assert 'name="items-0-monthly_amount"' in page and 'value="800.00"' in page
    assert 'name="items-3-monthly_amount"' in page  # three blank rows under the one item
    kept = {"category": "wage", "kind": "ordinary", "monthly_amount": "800.00"}

    refused = items_post(
        [
            {**kept, "monthly_amount": "900"},
            {"category": "transfer", "kind": "ordinary", "monthly_amount": "12.345"},
            {"kind": "ordinary"},
        ],
        initial=1,
    )
    response = client.post(url, refused)
    assert response.status_code == 400
    assert (
        'data-error-for="items-1-monthly_amount">金额最多保留两位小数' in response.content.decode()
    )
    wage.refresh_from_db()
    assert str(wage.monthly_amount) == "800.00" and case.household.income_items.count() == 1

    saved = items_post(
        [
            {**kept, "monthly_amount": "900"},
            {"category": "transfer", "kind": "ordinary", "monthly_amount": "120"},
            {"kind": "ordinary"},
        ],
        initial=1,
    )
    assert client.post(url, saved).status_code == 302
    wage.refresh_from_db()
    assert str(wage.monthly_amount) == "900.00"
    assert sorted(str(i.monthly_amount) for i in case.household.income_items.all()) == [
        "120.00",
        "900.00",
    ]
    deleted = items_post(
        [
            {**kept, "monthly_amount": "900.00", "DELETE": "on"},
            {"category": "transfer", "kind": "ordinary", "monthly_amount": "120.00"},
        ],
        initial=2,
    )
    assert client.post(url, deleted).status_code == 302
    assert not case.household.income_items.filter(pk=wage.pk).exists()
