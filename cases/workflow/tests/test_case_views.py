"""The case list and case page: scoping, filters, constant query count, actions with
reasons, posting transitions, the refusal notice."""

import io
import os
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from cases.models import Case, CaseClock, CaseEvent, CaseState
from cases.workflow.tests.helpers import LONG_AGO, fast_passwords, go, make_case  # noqa: F401
from relief.models import AssistanceType
from tests.factories import CaseFactory


def test_list_shows_only_the_users_region(demo, client):
    mine, other = make_case(demo.gushu), make_case(demo.wuxi)
    client.force_login(demo.user("clerk"))
    html = client.get(reverse("cases:list")).content.decode()
    assert mine.number in html and other.number not in html
    client.force_login(demo.user("supervisor"))
    html = client.get(reverse("cases:list")).content.decode()
    assert mine.number in html and other.number in html


def test_list_filters_by_state_type_township_flag_and_dates(demo, client):
    reviewed = make_case(demo.gushu, force_state=CaseState.REVIEW, accepted_on=LONG_AGO)
    draft = make_case(demo.gushu)
    flagged = make_case(demo.wuxi, near_relative_flag=True)
    tekun = make_case(demo.wuxi, type_code="tekun_dispersed")
    client.force_login(demo.user("supervisor"))

    def numbers(**params):
        response = client.get(reverse("cases:list"), params)
        return {c.number for c in response.context["page_obj"]}

    assert numbers(state="review") == {reviewed.number}
    assert numbers(state=["review", "draft"]) == {
        reviewed.number,
        draft.number,
        flagged.number,
        tekun.number,
    }
    assert numbers(township=demo.wuxi.pk) == {flagged.number, tekun.number}
    assert numbers(flagged="near_relative") == {flagged.number}
    assert numbers(assistance_type=AssistanceType.objects.get(code="tekun_dispersed").pk) == {
        tekun.number
    }
    assert numbers(accepted_from=LONG_AGO.isoformat(), accepted_to=LONG_AGO.isoformat()) == {
        reviewed.number
    }
    assert numbers(q=draft.number) == {draft.number}
    assert numbers(q=tekun.applicant.name[:2]) >= {tekun.number}


def test_list_township_filter_cannot_reach_outside_the_region(demo, client):
    make_case(demo.wuxi)
    client.force_login(demo.user("clerk"))
    response = client.get(reverse("cases:list"), {"township": demo.wuxi.pk})
    assert list(response.context["page_obj"]) == []


def test_list_sorts_and_paginates(demo, client):
    cases = [make_case(demo.gushu) for _ in range(12)]
    client.force_login(demo.user("clerk"))
    response = client.get(reverse("cases:list"), {"ordering": "number", "per_page": 10})
    page = response.context["page_obj"]
    assert [c.number for c in page] == sorted(c.number for c in cases)[:10]
    assert page.paginator.num_pages == 2
    response = client.get(reverse("cases:list"), {"ordering": "-number", "per_page": 10, "page": 2})
    assert [c.number for c in response.context["page_obj"]] == sorted(c.number for c in cases)[:2][
        ::-1
    ]


def _count_list_queries(client, per_page):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("cases:list"), {"per_page": per_page})
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == per_page
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_page_size(demo, client):
    for i in range(50):
        make_case(demo.gushu if i % 2 else demo.wuxi, near_relative_flag=i % 7 == 0)
    client.force_login(demo.user("supervisor"))
    assert _count_list_queries(client, 10) == _count_list_queries(client, 50)


def test_detail_of_another_township_is_404(demo, client):
    other = make_case(demo.wuxi)
    client.force_login(demo.user("clerk"))
    assert client.get(reverse("cases:detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("cases:transition", args=[other.pk, "accept"])).status_code == 404


def test_detail_shows_household_timeline_and_actions_with_reasons(demo, client):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk", opinion="材料齐全")
    go(case, "start_investigation", "clerk")
    client.force_login(demo.user("clerk"))
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert case.applicant.name in html
    assert (
        "材料齐全" in html and "陈晓燕" in html and "乡镇民政经办人" in html
    )  # signature in the timeline
    assert 'data-testid="action-withdraw"' in html  # the clerk may withdraw
    assert "核对报告尚未返回" in html  # finish_check disabled with its reason
    assert "此操作须由乡镇审核确认人办理" in html  # refuse is the approver's


def test_posting_a_transition_performs_it_and_signs_with_the_client_address(demo, client):
    case = make_case(demo.gushu)
    client.force_login(demo.user("clerk"))
    response = client.post(
        reverse("cases:transition", args=[case.pk, "accept"]),
        {"state": "draft", "opinion": "予以受理"},
        REMOTE_ADDR="10.1.2.3",
        follow=True,
    )
    assert "已办理“受理”" in response.content.decode()
    event = CaseEvent.objects.get(case=case)
    assert event.client_address == "10.1.2.3" and event.opinion == "予以受理"
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED


def test_refused_transition_shows_the_reasons_in_chinese(demo, client):
    case = make_case(demo.gushu, documents_complete=False)
    client.force_login(demo.user("clerk"))
    response = client.post(
        reverse("cases:transition", args=[case.pk, "accept"]), {"state": "draft"}, follow=True
    )
    assert "无法办理：申请材料不齐全，请先出具一次性告知书" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.DRAFT


def test_acting_on_a_case_someone_else_moved_says_so_and_shows_the_new_state(demo, client):
    case = make_case(demo.gushu, force_state=CaseState.ACCEPTED)
    client.force_login(demo.user("clerk"))
    go(case, "start_investigation", "clerk")  # somebody else, meanwhile
    response = client.post(
        reverse("cases:transition", args=[case.pk, "withdraw"]),
        {"state": "accepted", "opinion": "撤回"},
        follow=True,
    )
    html = response.content.decode()
    assert "案件已被他人处理" in html and "经济状况核对" in html
    assert Case.objects.get(pk=case.pk).state == CaseState.CHECKING


def test_supervisor_records_county_visit_from_the_page(demo, client):
    case = make_case(demo.gushu, force_state=CaseState.REVIEW, complaint_flag=True)
    client.force_login(demo.user("supervisor"))
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="record-county-visit"' in html
    client.post(reverse("cases:county_visit", args=[case.pk]), {"opinion": "入户核实，情况属实"})
    assert Case.objects.get(pk=case.pk).county_visit_done


def test_refusal_notice_states_reasons_and_the_right_to_ask_the_county_for_reexamination(
    demo, client
):
    case = make_case(demo.gushu, force_state=CaseState.VISITING)
    go(case, "refuse", "approver", opinion="家庭人均收入高于当地低保标准")
    client.force_login(demo.user("clerk"))
    html = client.get(reverse("cases:refusal_notice", args=[case.pk])).content.decode()
    assert "不予确认告知书" in html and "家庭人均收入高于当地低保标准" in html
    assert "向当涂县民政局申请复查" in html


def test_refusal_notice_pdf_carries_the_reasons_in_real_chinese_text(demo, client):
    """WeasyPrint with the CJK font: the PDF's extracted text holds the Chinese words
    (without fonts-noto-cjk they would be empty boxes, and extraction would not find them)."""

    case = make_case(demo.gushu, force_state=CaseState.VISITING)
    go(case, "refuse", "approver", opinion="家庭人均收入高于当地低保标准")
    client.force_login(demo.user("clerk"))
    response = client.get(reverse("cases:refusal_notice_pdf", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert "不予确认告知书" in text
    assert "家庭人均收入高于当地低保标准" in text
    assert "当涂县民政局申请复查" in text
    fonts = {
        str(f.get_object()["/BaseFont"])
        for page in reader.pages
        for f in page["/Resources"]["/Font"].values()
    }
    assert any("CJK" in name for name in fonts), fonts  # e.g. Noto-Serif-CJK-SC from fonts-noto-cjk
    if os.environ.get("REVIEW_PDF"):
        with open(os.environ["REVIEW_PDF"], "wb") as out:
            out.write(response.content)
    client.force_login(demo.user("clerk_wuxi"))
    assert client.get(reverse("cases:refusal_notice_pdf", args=[case.pk])).status_code == 404


def test_refusal_notice_of_a_case_not_refused_is_404(demo, client):
    case = make_case(demo.gushu)
    client.force_login(demo.user("clerk"))
    assert client.get(reverse("cases:refusal_notice", args=[case.pk])).status_code == 404


@pytest.mark.parametrize(
    "username", ["assistant", "clerk", "approver", "verifier", "supervisor", "admin"]
)
def test_every_role_can_open_the_list_and_a_case_in_its_region(demo, client, username):
    case = make_case(demo.gushu, force_state=CaseState.REVIEW, monthly_amount=Decimal("300"))
    client.force_login(demo.user(username))
    assert client.get(reverse("cases:list")).status_code == 200
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200


def test_overdue_filter_uses_the_clock_flags(demo, client):
    late, on_time = (
        make_case(demo.gushu, force_state=CaseState.VISITING, accepted_on=LONG_AGO)
        for _ in range(2)
    )
    for case, overdue in ((late, True), (on_time, False)):
        CaseClock.objects.create(
            case=case,
            started_on=LONG_AGO,
            limit_wd=20,
            limit_max_wd=45,
            overall_due=LONG_AGO,
            due_soon_from=LONG_AGO,
            overdue=overdue,
        )
    client.force_login(demo.user("clerk"))
    response = client.get(reverse("cases:list"), {"overdue": "yes"})
    assert [c.number for c in response.context["page_obj"]] == [late.number]
    assert "超期" in response.content.decode()


def test_htmx_post_answers_with_the_updated_page_and_its_message(demo, client):
    case = make_case(demo.gushu)
    client.force_login(demo.user("clerk"))
    response = client.post(
        reverse("cases:transition", args=[case.pk, "accept"]),
        {"state": "draft"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"] == reverse("cases:detail", args=[case.pk])
    html = response.content.decode()
    assert "已办理“受理”" in html and 'data-testid="case-state">已受理<' in html


def test_the_county_supervisor_gets_a_correction_link_on_a_confirmed_case_and_the_clerk_does_not(
    client, demo
):
    case = CaseFactory(force_state=CaseState.PAYING)
    client.force_login(demo.user("supervisor"))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("review:correction", args=[case.pk]) in page
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("review:correction", args=[case.pk]) not in page


def test_list_rows_link_to_the_case_page_and_the_drop_downs_keep_the_chosen_option(demo, client):
    case = make_case(demo.wuxi)
    client.force_login(demo.user("supervisor"))
    html = client.get(reverse("cases:list"), {"township": demo.wuxi.pk}).content.decode()
    assert f'<a href="{reverse("cases:detail", args=[case.pk])}">{case.number}</a>' in html
    assert f'<option value="{demo.wuxi.pk}" selected>{demo.wuxi.name}</option>' in html
    assert '<option value="">全部</option>' in html  # the type: not chosen
    assert f'<option value="{demo.gushu.pk}">' in html
    assert case.get_state_display() in html


def test_the_case_page_checks_duplicates_and_recusal_once(demo, client):
    from cases.models import Member

    other = make_case(demo.gushu, force_state=CaseState.CHECKING)
    case = make_case(demo.gushu)
    Member.objects.create(
        household=case.household,
        name="重复成员",
        id_number=other.applicant.id_number,
        relation="child",
        hukou_type="rural",
        birth_date=other.applicant.birth_date,
        sex=other.applicant.sex,
    )
    client.force_login(demo.user("clerk"))
    url = reverse("cases:detail", args=[case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    assert "重复申请" in html and other.number in html
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum(s.startswith('SELECT DISTINCT "cases_case"') for s in sqls) == 1
    assert sum('FROM "cases_nearrelative"' in s and "LIMIT 1" in s for s in sqls) == 1
