import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.intake.services.amounts import case_compute_amount, tekun_assessment_save
from cases.intake.services.application import (
    case_issue_document_notice,
    case_return_to_village,
    checklist_update,
)
from cases.intake.services.checks import check_request, check_return
from cases.intake.services.household import household_item_save, member_save
from cases.intake.services.near_relatives import near_relative_deactivate, near_relative_register
from cases.intake.services.survey import survey_save
from cases.intake.tests.helpers import (
    APPLICANT_ID,
    CHILD_ID,
    SPOUSE_ID,
    accepted,
    application,
    force,
    member,
    originals_seen,
)
from cases.models import (
    Case,
    CaseState,
    DocumentNotice,
    EconomicCheck,
    HouseholdEdit,
    Member,
    NearRelative,
)
from cases.rules import is_recused
from cases.workflow.services import TransitionRefused, available_transitions, case_transition
from relief.logverify import verify_model
from relief.models import Notification
from tests.factories import make_id_number
from tests.tampering import tampering
from tests.uploads import pdf_bytes


def pdf_file(name="report.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


# --- application -------------------------------------------------------------------------


def test_clerk_registers_an_application_that_starts_as_a_draft_with_derived_sex_and_birth_date(
    demo,
):
    case = application(demo.user("clerk"))
    assert case.state == CaseState.DRAFT and case.number.startswith("340521100")
    assert case.applicant.name == "王德福" and case.applicant.sex == "M"
    assert case.applicant.birth_date == datetime.date(1958, 3, 9)
    spouse = case.household.members.get(relation="spouse")
    assert spouse.sex == "F"


def test_village_assistant_registers_a_discovered_household_only_in_her_village(demo):
    case = application(demo.user("assistant"), source=Case.Source.DISCOVERED)
    assert case.source == "discovered" and case.village == demo.village
    with pytest.raises(ValidationError) as exc:
        application(demo.user("assistant"), village=demo.wuxi_village)
    assert "本辖区" in exc.value.message_dict["village"][0]


@pytest.mark.parametrize(
    "members,key,message",
    [
        ([member(id_number="130402198207290622")], "members-0-id_number", "校验码"),
        ([member(relation="spouse")], "members", "须有一名申请人"),
        (
            [member(), member("王二", APPLICANT_ID, "child")],
            "members-1-id_number",
            "同一人不能登记两次",
        ),
        ([member(sex="F")], "members-0-sex", "性别与身份证号不符"),
        ([member(birth_date="1958-03-10")], "members-0-birth_date", "出生日期与身份证号不符"),
        ([], "members", "至少登记一名"),
    ],
)
def test_bad_household_input_is_refused_at_the_field_and_nothing_is_saved(
    demo, members, key, message
):
    before = (Case.objects.count(), Member.objects.count())
    with pytest.raises(ValidationError) as exc:
        application(demo.user("clerk"), members=members)
    assert message in " ".join(exc.value.message_dict[key])
    assert (Case.objects.count(), Member.objects.count()) == before


def test_proxy_application_needs_the_proxys_valid_id_and_relation(demo):
    with pytest.raises(ValidationError) as exc:
        application(
            demo.user("clerk"),
            source="proxy",
            proxy={"proxy_name": "王小明", "proxy_id_number": "130402198207290622"},
        )
    assert "代办人身份证号校验码错误" in exc.value.message_dict["proxy_id_number"][0].replace(
        "代办人身份证号", "代办人身份证号"
    )
    assert "proxy_relation" in exc.value.message_dict
    case = application(
        demo.user("clerk"),
        source="proxy",
        proxy={
            "proxy_name": "王小明",
            "proxy_id_number": "11010519491231002X",
            "proxy_relation": "侄子",
        },
    )
    assert case.proxy_id_number == "11010519491231002X"


# --- checklist, 一次性告知, 受理, return ---------------------------------------------------------


def test_missing_documents_are_listed_once_and_the_case_waits(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    checklist_update(case=case, actor=clerk, provided=["id_card"], notes={"id_card": "原件已核验"})
    assert not case.documents_complete
    notice = case_issue_document_notice(case=case, actor=clerk)
    assert case.state == CaseState.AWAITING_DOCUMENTS and case.accepted_on is None
    names = [m["name"] for m in notice.missing]
    assert "居民户口簿" in names and any("一本一书" in n for n in names)
    assert case_issue_document_notice(case=case, actor=clerk) == notice  # listed once
    assert DocumentNotice.objects.filter(case=case).count() == 1
    accepted(case, clerk)
    assert case.accepted_on is not None


def test_accept_is_refused_while_documents_are_missing(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="accept", actor=clerk)
    assert any("材料不齐全" in m for m in exc.value.messages)


def test_clerk_returns_a_village_draft_with_a_reason(demo):
    case = application(demo.user("assistant"), source="discovered")
    with pytest.raises(ValidationError):
        case_return_to_village(case=case, actor=demo.user("clerk"), reason=" ")
    case_return_to_village(case=case, actor=demo.user("clerk"), reason="缺少家庭成员收入说明")
    assert case.state == CaseState.RETURNED_TO_VILLAGE
    assert case.events.last().opinion == "缺少家庭成员收入说明"


# --- duplicates -------------------------------------------------------------------------------


def test_a_person_in_an_open_case_in_another_township_blocks_acceptance_naming_that_township(demo):
    huangchi_clerk = demo.user("clerk_huangchi")
    other = application(huangchi_clerk, members=[member("李秀兰", SPOUSE_ID, "self")])
    clerk = demo.user("clerk")
    case = application(clerk)  # 李秀兰 is the spouse here; registered while the other is a draft
    accepted(other, huangchi_clerk)
    checklist_update(case=case, actor=clerk, **originals_seen(case))
    options = {o.name: o for o in available_transitions(case=case, user=clerk)}
    assert not options["accept"].allowed
    assert any("黄池镇" in r and other.number in r for r in options["accept"].reasons)
    with pytest.raises(TransitionRefused):
        case_transition(case=case, name="accept", actor=clerk)


def test_different_category_or_closed_case_does_not_block(demo):
    huangchi_clerk = demo.user("clerk_huangchi")
    tekun = application(
        huangchi_clerk, members=[member("李秀兰", SPOUSE_ID, "self")], type_code="tekun_dispersed"
    )
    accepted(tekun, huangchi_clerk)
    withdrawn = application(huangchi_clerk, members=[member("王德福", APPLICANT_ID, "self")])
    accepted(withdrawn, huangchi_clerk)
    case_transition(case=withdrawn, name="withdraw", actor=huangchi_clerk, opinion="本人撤回")
    accepted(application(demo.user("clerk")), demo.user("clerk"))


# --- household edits after 受理 ---------------------------------------------------------------


def test_edits_after_acceptance_are_versioned_with_who_and_what(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    member_save(case=case, actor=clerk, data=member("王小宝", CHILD_ID, "child"))
    assert not HouseholdEdit.objects.exists()  # before 受理 nothing is versioned
    accepted(case, clerk)
    spouse = case.household.members.get(relation="spouse")
    member_save(
        case=case,
        actor=clerk,
        member=spouse,
        data=member("李秀兰", SPOUSE_ID, "spouse", serious_illness="尿毒症"),
    )
    household_item_save(
        case=case,
        actor=clerk,
        kind="income",
        data={"member": spouse.pk, "category": "wage", "monthly_amount": "300"},
    )
    edits = list(HouseholdEdit.objects.filter(case=case).order_by("pk"))
    assert [e.action for e in edits] == ["update", "create"]
    assert edits[0].changes["重病/慢性病"] == ["", "尿毒症"] and edits[0].actor == clerk
    assert edits[1].changes["月收入(元)"][1] == "300.00"
    # hash-chained per household (relief/logchain.py): intact, and an edit is found
    assert edits[0].prev_hash == "" and edits[1].prev_hash == edits[0].hash
    assert verify_model(HouseholdEdit).breaks == []
    with tampering("cases_householdedit"):
        HouseholdEdit.objects.filter(pk=edits[0].pk).update(changes={"重病/慢性病": ["", "无"]})
    assert [b.pk for b in verify_model(HouseholdEdit).breaks] == [edits[0].pk]


def test_village_assistant_cannot_edit_after_acceptance(demo):
    case = accepted(application(demo.user("assistant"), source="discovered"), demo.user("clerk"))
    with pytest.raises(ValidationError) as exc:
        member_save(
            case=case, actor=demo.user("assistant"), data=member("王小宝", CHILD_ID, "child")
        )
    assert "乡镇经办人" in exc.value.messages[0]


@pytest.mark.parametrize(
    "amount,message",
    [
        ("-5", "不能为负数"),
        ("99999999", "超出合理范围"),
        ("abc", "须为数字"),
        ("1.234", "两位小数"),
    ],
)
def test_negative_or_absurd_amounts_are_refused(demo, amount, message):
    clerk = demo.user("clerk")
    case = application(clerk)
    with pytest.raises(ValidationError) as exc:
        household_item_save(
            case=case,
            actor=clerk,
            kind="income",
            data={"category": "wage", "monthly_amount": amount},
        )
    assert message in exc.value.message_dict["monthly_amount"][0]


def test_the_same_person_cannot_be_added_twice(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    with pytest.raises(ValidationError) as exc:
        member_save(case=case, actor=clerk, data=member("李秀兰", SPOUSE_ID, "child"))
    assert "同一人" in exc.value.message_dict["id_number"][0]


# --- survey -----------------------------------------------------------------------------------


def test_survey_with_one_investigator_cannot_be_finished_but_can_be_saved_as_draft(demo):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)
    data = {
        "visit_date": datetime.date.today().isoformat(),
        "investigators": ["张秀英"],
        "living_conditions": "住房简陋",
        "findings": "情况属实",
    }
    with pytest.raises(ValidationError) as exc:
        survey_save(case=case, actor=demo.user("assistant"), data=data, finish=True)
    assert "至少2名" in exc.value.message_dict["investigators"][0]
    case.refresh_from_db()
    assert case.survey_status == "" and not hasattr(case, "survey_")
    survey = survey_save(case=case, actor=demo.user("assistant"), data=data, finish=False)
    assert survey.status == "draft" and case.survey_status == "draft"
    data["investigators"] = ["张秀英", "陈晓燕"]
    survey = survey_save(case=case, actor=demo.user("assistant"), data=data, finish=True)
    assert survey.status == "complete" and case.survey_status == "complete"


# --- economic check ---------------------------------------------------------------------------


def test_check_request_return_moves_a_checking_case_on_and_computes_the_amount(demo):
    clerk, verifier = demo.user("clerk"), demo.user("verifier")
    case = accepted(application(clerk), clerk)
    spouse = case.household.members.get(relation="spouse")
    household_item_save(
        case=case,
        actor=clerk,
        kind="income",
        data={"member": spouse.pk, "category": "wage", "monthly_amount": "600"},
    )
    household_item_save(
        case=case,
        actor=clerk,
        kind="income",
        data={"category": "transfer", "kind": "assistance", "monthly_amount": "200"},
    )
    check = check_request(case=case, actor=clerk)
    with pytest.raises(ValidationError):
        check_request(case=case, actor=clerk)
    case_transition(case=case, name="start_investigation", actor=clerk)
    assert case.state == CaseState.CHECKING
    survey_save(
        case=case,
        actor=clerk,
        finish=True,
        data={
            "visit_date": datetime.date.today(),
            "investigators": "陈晓燕，张秀英",
            "living_conditions": "危房",
            "findings": "属实",
        },
    )
    with pytest.raises(ValidationError) as exc:
        check_return(
            check=check,
            actor=verifier,
            conclusion="meets",
            member_results=[{"id_number": SPOUSE_ID, "monthly_income": "-1"}],
        )
    assert (
        "report" in exc.value.message_dict and "results-0-monthly_income" in exc.value.message_dict
    )
    check_return(
        check=check,
        actor=verifier,
        conclusion="meets",
        report_file=pdf_file(),
        member_results=[
            {"id_number": APPLICANT_ID, "monthly_income": "0"},
            {"id_number": SPOUSE_ID, "monthly_income": "600"},
        ],
    )
    check.refresh_from_db()
    assert (
        check.status == EconomicCheck.Status.RETURNED
        and check.report.content_type == "application/pdf"
    )
    case.refresh_from_db()
    assert case.check_status == "returned" and case.state == CaseState.VISITING
    # (790 − 600/2) × 2 = 980; the 200 of assistance money is not counted (A Art.13)
    assert case.monthly_amount == Decimal("980.00")
    computation = case.amount_computations.first()
    assert any("2025年07月01日" in s for s in computation.steps)


def test_amount_uses_the_standard_in_force_on_the_computation_date(demo):
    clerk = demo.user("clerk")
    case = application(clerk, members=[member()])
    c1 = case_compute_amount(case=case, actor=clerk, on=datetime.date(2025, 1, 15))
    assert c1.monthly_amount == Decimal("750.00") and "2024年07月01日" in c1.steps[0]
    c2 = case_compute_amount(case=case, actor=clerk, on=datetime.date(2025, 8, 1))
    assert c2.monthly_amount == Decimal("790.00")


def test_tekun_amount_from_assessment(demo):
    clerk = demo.user("clerk")
    case = application(clerk, members=[member()], type_code="tekun_dispersed")
    with pytest.raises(ValidationError):
        case_compute_amount(case=case, actor=clerk)
    tekun_assessment_save(
        case=case,
        actor=clerk,
        data={
            "can_eat": True,
            "can_dress": True,
            "can_transfer": False,
            "can_toilet": False,
            "can_walk_indoors": False,
            "can_bathe": False,
        },
    )
    comp = case_compute_amount(case=case, actor=clerk, on=datetime.date(2026, 1, 5))
    assert comp.eligible and comp.monthly_amount == Decimal("1947.00")  # 1027 + 920 (fully lost)


# --- near relatives ---------------------------------------------------------------------------


def test_registering_a_near_relative_flags_open_cases_and_recuses_the_worker(demo):
    clerk, approver = demo.user("clerk"), demo.user("approver")
    case = application(clerk)
    assert not case.near_relative_flag
    entry = near_relative_register(
        actor=clerk,
        data={
            "worker_name": "刘德明",
            "worker_position": "civil_affairs",
            "worker_user": approver.pk,
            "relative_name": "李秀兰",
            "relative_id_number": SPOUSE_ID,
            "relation": "姐姐",
        },
    )
    case.refresh_from_db()
    assert case.near_relative_flag
    assert is_recused(case, approver)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="withdraw", actor=approver, opinion="撤回")
    assert "回避" in " ".join(exc.value.messages) or "须由" in " ".join(exc.value.messages)
    assert not is_recused(case, clerk)
    # a case created later with the same person is flagged at once, also in another township
    other = application(demo.user("clerk_huangchi"), members=[member("李秀兰", SPOUSE_ID, "self")])
    assert other.near_relative_flag
    near_relative_deactivate(actor=clerk, entry=entry, reason="亲属已迁出")
    case.refresh_from_db()
    assert not case.near_relative_flag


def test_near_relative_with_invalid_id_is_refused(demo):
    with pytest.raises(ValidationError) as exc:
        near_relative_register(
            actor=demo.user("clerk"),
            data={
                "worker_name": "刘德明",
                "worker_position": "civil_affairs",
                "relative_name": "李",
                "relative_id_number": "130402198207290622",
                "relation": "姐姐",
            },
        )
    assert "校验码" in exc.value.message_dict["relative_id_number"][0]
    assert not NearRelative.objects.exists()


def test_recused_clerk_cannot_edit_the_household(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    near_relative_register(
        actor=demo.user("approver"),
        data={
            "worker_name": "陈晓燕",
            "worker_position": "civil_affairs",
            "worker_user": clerk.pk,
            "relative_name": "王德福",
            "relative_id_number": APPLICANT_ID,
            "relation": "父亲",
        },
    )
    with pytest.raises(ValidationError) as exc:
        member_save(case=case, actor=clerk, data=member("王小宝", CHILD_ID, "child"))
    assert "回避" in exc.value.messages[0]


def test_case_number_sequence_per_township_and_year(demo):
    a = application(demo.user("clerk"), members=[member()])
    b = application(
        demo.user("clerk"),
        members=[member("张三", make_id_number(birth=datetime.date(1970, 1, 1), seq=44), "self")],
    )
    assert int(b.number[-5:]) == int(a.number[-5:]) + 1
    force(b, CaseState.DRAFT)


def test_a_village_draft_and_a_check_request_notify_the_next_person(
    demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = application(demo.user("assistant"), source="discovered")
    assert Notification.objects.filter(
        recipient=demo.user("clerk"), dedupe_key=f"intake-draft:{case.pk}"
    ).exists()
    assert not Notification.objects.filter(recipient=demo.user("clerk_huangchi")).exists()
    clerk = demo.user("clerk")
    accepted(case, clerk)
    with django_capture_on_commit_callbacks(execute=True):
        check = check_request(case=case, actor=clerk)
    assert Notification.objects.filter(
        recipient=demo.user("verifier"), dedupe_key=f"check-request:{check.pk}"
    ).exists()


def test_amount_is_computed_automatically_when_the_assistant_finishes_the_survey_last(demo):
    clerk, verifier = demo.user("clerk"), demo.user("verifier")
    case = accepted(application(clerk, members=[member()]), clerk)
    check = check_request(case=case, actor=clerk)
    check_return(
        check=check,
        actor=verifier,
        conclusion="meets",
        report_file=pdf_file(),
        member_results=[{"id_number": APPLICANT_ID, "monthly_income": "0"}],
    )
    case.refresh_from_db()
    assert case.monthly_amount is None  # survey not done yet
    force(case, CaseState.VISITING)
    survey_save(
        case=case,
        actor=demo.user("assistant"),
        finish=True,
        data={
            "visit_date": datetime.date.today(),
            "investigators": ["张秀英", "陈晓燕"],
            "living_conditions": "独居",
            "findings": "属实",
        },
    )
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("790.00")
    with pytest.raises(ValidationError):
        case_compute_amount(case=case, actor=demo.user("assistant"))


def test_the_amount_explanation_cites_the_check_report_by_its_beijing_date(demo):
    clerk, verifier = demo.user("clerk"), demo.user("verifier")
    case = accepted(application(clerk), clerk)
    check = check_request(case=case, actor=clerk)
    check_return(
        check=check,
        actor=verifier,
        conclusion="meets",
        report_file=pdf_file(),
        member_results=[{"id_number": APPLICANT_ID, "monthly_income": "0"}],
    )
    # Returned at 01:30 on 2 December in Beijing, which is still 1 December in UTC.
    EconomicCheck.objects.filter(pk=check.pk).update(
        returned_at=datetime.datetime(2026, 12, 1, 17, 30, tzinfo=datetime.UTC)
    )
    case.refresh_from_db()
    computation = case_compute_amount(case=case, actor=clerk, on=datetime.date(2026, 12, 2))
    assert any("核对报告（2026-12-02）" in step for step in computation.steps)
    assert not any("2026-12-01" in step for step in computation.steps)


def test_correcting_a_member_id_number_derives_sex_and_birth_date_again(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    spouse = case.household.members.get(relation="spouse")
    new_id = make_id_number(birth=datetime.date(1980, 3, 9), male=True)
    assert new_id != spouse.id_number
    # The edit form still carries the sex and birth date derived from the old number.
    data = {
        "name": spouse.name,
        "id_number": new_id,
        "relation": spouse.relation,
        "hukou_type": spouse.hukou_type,
        "sex": spouse.sex,
        "birth_date": spouse.birth_date.isoformat(),
    }
    saved = member_save(case=case, actor=clerk, data=data, member=spouse)
    assert saved.birth_date == datetime.date(1980, 3, 9) and saved.sex == "M"
    # A birth date the user typed as well is still cross-checked against the new number.
    with pytest.raises(ValidationError) as exc:
        member_save(
            case=case,
            actor=clerk,
            data={**data, "id_number": spouse.id_number, "birth_date": "1999-01-01"},
            member=saved,
        )
    assert "birth_date" in exc.value.message_dict
