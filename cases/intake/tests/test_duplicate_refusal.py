"""A second open case of the same category for the same person is refused at the ID number,
naming the township and the case number of the open one; a county supervisor may override
with a reason, signed in the case log; nobody else may."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from cases.intake.services.duplicates import OVERRIDE_REFUSED
from cases.intake.services.household import member_save
from cases.intake.tests.helpers import (
    APPLICANT_ID,
    CHILD_ID,
    SPOUSE_ID,
    accepted,
    application,
    member,
)
from cases.models import Case, CaseEvent, CaseState, Household, Member
from cases.rules import DUPLICATE_OVERRIDE


def counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        Household.objects.count(),
        Member.objects.count(),
        CaseEvent.objects.count(),
    )


@pytest.fixture
def open_case(demo):
    """An accepted 农村低保 case in 姑孰镇 holding APPLICANT_ID and SPOUSE_ID."""
    clerk = demo.user("clerk")
    return accepted(application(clerk), clerk)


def test_registering_the_same_person_again_is_refused_at_the_id_number(demo, open_case):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        application(demo.user("clerk"), members=[member(), member("王小明", CHILD_ID, "child")])
    errors = exc.value.message_dict
    assert set(errors) == {"members-0-id_number"}
    message = errors["members-0-id_number"][0]
    assert message.startswith("该身份证号已有在办的农村最低生活保障申请：")
    assert f"姑孰镇 案件号 {open_case.number}" in message
    assert counts() == before


def test_another_township_is_refused_with_the_township_that_holds_the_case(demo, open_case):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        application(demo.user("clerk_huangchi"), members=[member("李秀兰", SPOUSE_ID, "self")])
    assert f"姑孰镇 案件号 {open_case.number}" in exc.value.message_dict["members-0-id_number"][0]
    assert counts() == before


def test_an_urban_dibao_case_counts_as_the_same_type(demo, open_case):
    with pytest.raises(ValidationError) as exc:
        application(demo.user("clerk"), type_code="dibao_urban")
    assert {"members-0-id_number", "members-1-id_number"} <= set(exc.value.message_dict)


def test_a_draft_elsewhere_does_not_block(demo):
    application(demo.user("clerk"))
    assert application(demo.user("clerk")).state == CaseState.DRAFT


def test_the_api_answers_400_at_the_field_and_saves_nothing(demo, open_case):
    client = APIClient()
    client.force_authenticate(demo.user("clerk"))
    before = counts()
    body = {
        "village": demo.village.pk,
        "assistance_type": "dibao_rural",
        "household": {"address": "城东社区9号", "hukou_type": "rural"},
        "members": [member("李秀兰", SPOUSE_ID, "self")],
    }
    response = client.post("/api/intake/applications/", body, format="json")
    assert response.status_code == 400
    message = response.json()["errors"]["members-0-id_number"][0]
    assert "姑孰镇" in message and open_case.number in message
    assert counts() == before


def test_a_county_supervisor_overrides_with_a_signed_reason(demo, open_case):
    supervisor = demo.user("supervisor")
    case = application(supervisor, village=demo.village, duplicate_override_reason="原案件即将终止")
    event = case.events.get(transition=DUPLICATE_OVERRIDE)
    assert event.opinion == "原案件即将终止" and event.actor == supervisor
    assert event.actor_role == "county_supervisor" and event.hash
    assert event.data["cases"] == [open_case.number]
    assert APPLICANT_ID not in str(event.data)  # ID numbers masked in the log
    clerk = demo.user("clerk")
    assert accepted(case, clerk).state == CaseState.ACCEPTED  # the accept guard honours it


def test_the_api_takes_the_override_from_the_county_supervisor(demo, open_case):
    client = APIClient()
    client.force_authenticate(demo.user("supervisor"))
    body = {
        "village": demo.village.pk,
        "assistance_type": "dibao_rural",
        "household": {"address": "城东社区9号", "hukou_type": "rural"},
        "members": [member("李秀兰", SPOUSE_ID, "self")],
        "duplicate_override_reason": "分户后另行申请",
    }
    response = client.post("/api/intake/applications/", body, format="json")
    assert response.status_code == 201, response.json()
    case = Case.objects.get(pk=response.json()["id"])
    assert case.events.get(transition=DUPLICATE_OVERRIDE).opinion == "分户后另行申请"


@pytest.mark.parametrize("username", ["clerk", "assistant", "approver"])
def test_an_override_from_anyone_else_is_refused_and_saves_nothing(demo, open_case, username):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        application(demo.user(username), village=demo.village, duplicate_override_reason="我同意")
    assert exc.value.message_dict == {"duplicate_override_reason": [OVERRIDE_REFUSED]}
    assert counts() == before


def test_an_override_with_nothing_to_override_is_refused(demo):
    with pytest.raises(ValidationError) as exc:
        application(demo.user("supervisor"), village=demo.village, duplicate_override_reason="x")
    assert "没有同类在办案件" in exc.value.message_dict["duplicate_override_reason"][0]
    assert Case.objects.count() == 0


def test_adding_a_member_held_in_another_open_case_is_refused(demo, open_case):
    clerk = demo.user("clerk")
    other = application(clerk, members=[member("王小明", CHILD_ID, "self")])
    before = counts()
    with pytest.raises(ValidationError) as exc:
        member_save(case=other, actor=clerk, data=member("李秀兰", SPOUSE_ID, "spouse"))
    assert open_case.number in exc.value.message_dict["id_number"][0]
    assert counts() == before
    with pytest.raises(ValidationError) as exc:
        member_save(
            case=other,
            actor=clerk,
            data=member("李秀兰", SPOUSE_ID, "spouse"),
            duplicate_override_reason="我同意",
        )
    assert exc.value.message_dict == {"duplicate_override_reason": [OVERRIDE_REFUSED]}
    assert counts() == before


def test_the_county_supervisor_adds_the_member_with_a_signed_override(demo, open_case):
    clerk = demo.user("clerk")
    other = application(clerk, members=[member("王小明", CHILD_ID, "self")])
    added = member_save(
        case=other,
        actor=demo.user("supervisor"),
        data=member("李秀兰", SPOUSE_ID, "spouse"),
        duplicate_override_reason="户籍迁移中",
    )
    assert added.pk and other.events.get(transition=DUPLICATE_OVERRIDE).opinion == "户籍迁移中"
    renamed = member_save(  # the overridden case is not refused again on a later edit
        case=other, actor=clerk, data=member("李秀英", SPOUSE_ID, "spouse"), member=added
    )
    assert renamed.name == "李秀英"


def test_a_refused_case_no_longer_blocks(demo, open_case):
    Case.objects.filter(pk=open_case.pk).update(state=CaseState.REFUSED)
    assert application(demo.user("clerk")).state == CaseState.DRAFT
