"""The duplicate override on the pages: the application and member forms offer
duplicate_override_reason to a county supervisor only (the server ignores it from anyone
else, and the service refuses it); a duplicate is refused at the row's or the member's ID
number, nothing saved; the household's 重复申请 banner says who overrode it, when and why."""

import pytest
from django.urls import reverse

from cases.intake.tests.helpers import (
    APPLICANT_ID,
    CHILD_ID,
    SPOUSE_ID,
    accepted,
    application,
)
from cases.models import Case, CaseEvent, Household, Member
from cases.rules import DUPLICATE_OVERRIDE
from relief.models import AssistanceType

pytestmark = pytest.mark.django_db

FIELD = 'name="duplicate_override_reason"'


def counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        Household.objects.count(),
        Member.objects.count(),
        CaseEvent.objects.count(),
    )


@pytest.fixture
def open_case(demo):
    clerk = demo.user("clerk")
    return accepted(application(clerk), clerk)


def application_post(demo, id_number: str, **extra) -> dict:
    return {
        "assistance_type": AssistanceType.objects.get(code="dibao_rural").pk,
        "village": demo.village.pk,
        "source": "application",
        "address": "城东社区9号",
        "hukou_type": "rural",
        "members-TOTAL_FORMS": 6,
        "members-INITIAL_FORMS": 0,
        "members-0-name": "李秀兰",
        "members-0-id_number": id_number,
        "members-0-relation": "self",
        "members-0-hukou_type": "rural",
        "members-0-covered": "on",
        **extra,
    }


def member_post(name: str, id_number: str, **extra) -> dict:
    return {
        "name": name,
        "id_number": id_number,
        "relation": "child",
        "hukou_type": "rural",
        "covered": "on",
        **extra,
    }


def test_only_a_county_supervisor_is_offered_the_override(demo, client, open_case):
    client.force_login(demo.user("clerk"))
    assert FIELD not in client.get(reverse("cases:application_new")).content.decode()
    add = reverse("cases:member_add", args=[open_case.pk])
    assert FIELD not in client.get(add).content.decode()
    client.force_login(demo.user("supervisor"))
    assert FIELD in client.get(reverse("cases:application_new")).content.decode()
    assert FIELD in client.get(add).content.decode()


def test_a_duplicate_is_refused_at_the_rows_id_number_and_a_clerks_reason_is_ignored(
    demo, client, open_case
):
    client.force_login(demo.user("clerk"))
    before = counts()
    response = client.post(
        reverse("cases:application_new"),
        application_post(demo, SPOUSE_ID, duplicate_override_reason="县里同意了"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-for="members-0-id_number">该身份证号已有在办的' in html
    assert f"案件号 {open_case.number}" in html and 'href="#id_members-0-id_number"' in html
    assert counts() == before


def test_a_supervisor_registers_beside_the_open_case_with_a_signed_reason(demo, client, open_case):
    supervisor = demo.user("supervisor")
    client.force_login(supervisor)
    before = counts()
    response = client.post(
        reverse("cases:application_new"),
        application_post(demo, SPOUSE_ID, duplicate_override_reason="  "),
    )
    assert response.status_code == 400 and counts() == before  # no reason: no override
    response = client.post(
        reverse("cases:application_new"),
        application_post(demo, SPOUSE_ID, duplicate_override_reason="原案件即将终止，先行受理"),
    )
    assert response.status_code == 302
    case = Case.objects.exclude(pk=open_case.pk).get()
    event = case.events.get(transition=DUPLICATE_OVERRIDE)
    assert event.actor == supervisor and event.opinion == "原案件即将终止，先行受理"

    client.force_login(demo.user("clerk"))
    html = client.get(reverse("cases:intake", args=[case.pk])).content.decode()
    start = html.rindex("<div", 0, html.index('data-testid="duplicates"'))
    banner = html[start : html.index("</div>", start)]
    assert f"案件{open_case.number}" in banner
    assert "县级已同意另行办理" in banner and str(supervisor) in banner
    assert "原案件即将终止，先行受理" in banner and "alert-warning" in banner


def test_an_override_with_nothing_to_override_is_refused_at_the_reason(demo, client):
    client.force_login(demo.user("supervisor"))
    before = counts()
    response = client.post(
        reverse("cases:application_new"),
        application_post(demo, APPLICANT_ID, duplicate_override_reason="同意"),
    )
    assert response.status_code == 400
    assert 'data-error-for="duplicate_override_reason">没有同类在办案件需要同意' in (
        response.content.decode()
    )
    assert counts() == before


def test_a_member_in_another_open_case_is_refused_at_the_id_number(demo, client, open_case):
    other = application(
        demo.user("clerk"),
        members=[
            {"name": "王小明", "id_number": CHILD_ID, "relation": "self", "hukou_type": "rural"}
        ],
    )
    add = reverse("cases:member_add", args=[other.pk])
    client.force_login(demo.user("clerk"))
    before = counts()
    response = client.post(add, member_post("李秀兰", SPOUSE_ID, duplicate_override_reason="x"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-for="id_number">该身份证号已有在办的' in html
    assert counts() == before

    supervisor = demo.user("supervisor")
    client.force_login(supervisor)
    response = client.post(
        add, member_post("李秀兰", SPOUSE_ID, duplicate_override_reason="县级核实，同意")
    )
    assert response.status_code == 302
    assert other.household.members.filter(id_number=SPOUSE_ID).exists()
    assert other.events.get(transition=DUPLICATE_OVERRIDE).actor == supervisor
