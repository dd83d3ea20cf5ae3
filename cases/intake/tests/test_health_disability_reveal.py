"""Health (重病/慢性病) and disability (残疾类别、等级) of a household member are masked by
default on the case page and in the API for every role (``已登记``, never the value); the
case's township clerk or approver reveals them with one click (htmx) or one API call, each
reveal one DataReveal row of kind health / disability; another township's member answers
404, a role without the right 403 (the county verifier's check is of income and assets, so it
never gets them), with nothing logged; the member edit form shows them to the editor only,
logged; the county's review page lists the reveals."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases.intake.idnumbers import RECORDED, SENSITIVE_CHANGE_LABELS, mask_changes
from cases.intake.tests.helpers import accepted, application
from cases.models import EconomicCheck, Member
from cases.workflow.tests.helpers import make_case
from relief.models import DataReveal

ILLNESS = "尿毒症维持性透析"
DISABILITY_TYPE, DISABILITY_GRADE = "肢体", 2
DISABILITY = "肢体残疾2级"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def sick_member(township) -> Member:
    """The applicant of a new case in ``township``, with an illness and a disability."""
    member = make_case(township).applicant
    Member.objects.filter(pk=member.pk).update(
        serious_illness=ILLNESS,
        disability_type=DISABILITY_TYPE,
        disability_grade=DISABILITY_GRADE,
    )
    member.refresh_from_db()
    return member


def clear_values_in(text: str) -> list[str]:
    return [v for v in (ILLNESS, DISABILITY, "肢体") if v in text]


@pytest.mark.parametrize("username", ["clerk", "approver", "assistant", "verifier", "supervisor"])
def test_the_case_page_shows_health_and_disability_masked_for_every_role(demo, client, username):
    member = sick_member(demo.gushu)
    case = member.household.cases.get()
    if username == "verifier":
        EconomicCheck.objects.create(case=case)  # the verifier reads the case under check
    client.force_login(demo.user(username))
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert clear_values_in(page) == []
    assert f'id="dis-member-{member.pk}"' in page and f'id="hlt-member-{member.pk}"' in page
    assert "残疾：已登记" in page and "疾病：已登记" in page
    offered = f'hx-post="/cases/members/{member.pk}/health/"' in page
    assert offered == (username in ("clerk", "approver"))
    assert offered == (f'hx-post="/cases/members/{member.pk}/disability/"' in page)
    assert not DataReveal.objects.exists()


def test_a_member_without_health_or_disability_shows_no_marker(demo, client):
    case = make_case(demo.gushu)
    client.force_login(demo.user("clerk"))
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'id="dis-member-{case.applicant.pk}"' not in page and "疾病：已登记" not in page


@pytest.mark.parametrize("username", ["clerk", "approver", "verifier", "supervisor"])
def test_the_api_answers_health_and_disability_masked(demo, username):
    member = sick_member(demo.gushu)
    case = member.household.cases.get()
    response = api(demo.user(username)).get(f"/api/intake/cases/{case.pk}/")
    assert response.status_code == 200
    assert clear_values_in(response.content.decode()) == []
    row = next(m for m in response.json()["members"] if m["id"] == member.pk)
    assert (row["health"], row["disability"]) == (RECORDED, RECORDED)
    assert not {"serious_illness", "disability_type", "disability_grade"} & set(row)
    assert not DataReveal.objects.exists()


def test_the_member_api_answers_masked_after_a_write(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    spouse = case.household.members.get(relation="spouse")
    url = f"/api/intake/cases/{case.pk}/members/{spouse.pk}/"
    body = {"serious_illness": ILLNESS, "disability_type": "肢体", "disability_grade": 2}
    response = api(clerk).patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert clear_values_in(response.content.decode()) == []
    assert (response.json()["health"], response.json()["disability"]) == (RECORDED, RECORDED)
    spouse.refresh_from_db()
    assert (spouse.serious_illness, spouse.disability_grade) == (ILLNESS, 2)


@pytest.mark.parametrize(
    ("kind", "shown", "view_name"),
    [
        ("health", ILLNESS, "cases:member_health_reveal"),
        ("disability", DISABILITY, "cases:member_disability_reveal"),
    ],
)
def test_the_clerk_reveals_with_one_click_and_one_row_is_logged(
    demo, client, kind, shown, view_name
):
    member = sick_member(demo.gushu)
    clerk = demo.user("clerk")
    client.force_login(clerk)
    url = f"/cases/members/{member.pk}/{kind}/"
    response = client.post(url, HTTP_HX_REQUEST="true", REMOTE_ADDR="10.1.2.7")
    assert response.status_code == 200
    html = response.content.decode()
    prefix = {"health": "hlt", "disability": "dis"}[kind]
    assert shown in html and f'id="{prefix}-member-{member.pk}"' in html and "已记录" in html
    assert response["Cache-Control"] == "no-store"
    reveal = DataReveal.objects.get()
    assert (reveal.user, reveal.kind, reveal.subject, reveal.subject_name) == (
        clerk,
        kind,
        member,
        member.name,
    )
    assert (reveal.township, reveal.path, reveal.view_name, reveal.client_address) == (
        demo.gushu,
        url,
        view_name,
        "10.1.2.7",
    )


def test_the_api_reveals_each_kind_and_logs_one_row_each(demo):
    member = sick_member(demo.gushu)
    client = api(demo.user("approver"))
    base = f"/api/personal-data/members/{member.pk}"
    health = client.post(f"{base}/health/reveal/")
    assert health.status_code == 200, health.content
    assert health.json() == {"id": member.pk, "serious_illness": ILLNESS}
    assert health["Cache-Control"] == "no-store"
    disability = client.post(f"{base}/disability/reveal/")
    assert disability.json() == {
        "id": member.pk,
        "disability_type": DISABILITY_TYPE,
        "disability_grade": DISABILITY_GRADE,
    }
    rows = list(DataReveal.objects.order_by("pk").values_list("kind", "view_name"))
    assert rows == [
        (DataReveal.Kind.HEALTH, "member-health-reveal"),
        (DataReveal.Kind.DISABILITY, "member-disability-reveal"),
    ]


@pytest.mark.parametrize("kind", ["health", "disability"])
def test_another_townships_member_answers_404_and_nothing_is_logged(demo, client, kind):
    member = sick_member(demo.wuxi)
    client.force_login(demo.user("clerk"))
    assert client.post(f"/cases/members/{member.pk}/{kind}/").status_code == 404
    url = f"/api/personal-data/members/{member.pk}/{kind}/reveal/"
    assert api(demo.user("approver")).post(url).status_code == 404
    assert not DataReveal.objects.exists()


@pytest.mark.parametrize("kind", ["health", "disability"])
@pytest.mark.parametrize("username", ["assistant", "verifier", "supervisor", "admin"])
def test_a_role_without_the_right_gets_403_and_nothing_is_logged(demo, client, username, kind):
    member = sick_member(demo.gushu)
    # the verifier with the household's check in its queue: it may read the ID number only
    EconomicCheck.objects.create(case=member.household.cases.get())
    response = api(demo.user(username)).post(
        f"/api/personal-data/members/{member.pk}/{kind}/reveal/"
    )
    assert response.status_code == 403
    assert clear_values_in(response.content.decode()) == []
    client.force_login(demo.user(username))
    assert client.post(f"/cases/members/{member.pk}/{kind}/").status_code == 403
    assert not DataReveal.objects.exists()


def test_the_county_verifier_keeps_the_id_number_its_check_needs(demo):
    member = sick_member(demo.gushu)
    EconomicCheck.objects.create(case=member.household.cases.get())
    client = api(demo.user("verifier"))
    base = f"/api/personal-data/members/{member.pk}"
    assert client.post(f"{base}/id-number/reveal/").json()["id_number"] == member.id_number
    assert client.post(f"{base}/disability/reveal/").status_code == 403
    assert list(DataReveal.objects.values_list("kind", flat=True)) == [DataReveal.Kind.ID_NUMBER]


def test_the_county_review_page_lists_health_and_disability_reveals(demo, client):
    member = sick_member(demo.gushu)
    clerk = api(demo.user("clerk"))
    clerk.post(f"/api/personal-data/members/{member.pk}/health/reveal/")
    clerk.post(f"/api/personal-data/members/{member.pk}/disability/reveal/")
    client.force_login(demo.user("supervisor"))
    page = client.get("/personal-data/reveals/").content.decode()
    assert "健康状况" in page and "残疾情况" in page and member.name in page
    only_health = client.get("/personal-data/reveals/", {"kind": "health"}).content.decode()
    assert "健康状况" in only_health and '<td data-label="信息类别">残疾情况' not in only_health
    export = client.get("/personal-data/reveals/export.csv").content.decode("utf-8-sig")
    assert "健康状况" in export and "残疾情况" in export
    assert clear_values_in(page + export) == []


def test_the_edit_form_shows_the_values_to_the_clerk_and_logs_each_kind(demo, client):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)
    spouse = case.household.members.get(relation="spouse")
    Member.objects.filter(pk=spouse.pk).update(
        serious_illness=ILLNESS, disability_type="肢体", disability_grade=2
    )
    client.force_login(clerk)
    url = f"/cases/{case.pk}/members/{spouse.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    assert ILLNESS in response.content.decode()  # the editor edits the value itself
    rows = DataReveal.objects.filter(subject_id=spouse.pk, user=clerk)
    assert sorted(rows.values_list("kind", flat=True)) == ["disability", "health", "id_number"]
    assert set(rows.values_list("view_name", flat=True)) == {"cases:member_edit"}


def test_the_edit_form_of_a_member_without_them_logs_the_id_number_only(demo, client):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)
    spouse = case.household.members.get(relation="spouse")
    client.force_login(clerk)
    assert client.get(f"/cases/{case.pk}/members/{spouse.pk}/").status_code == 200
    assert list(DataReveal.objects.values_list("kind", flat=True)) == ["id_number"]


@pytest.mark.parametrize("username", ["assistant", "approver", "verifier"])
def test_the_edit_form_is_refused_to_who_may_not_edit_and_nothing_leaks(demo, client, username):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)  # after 受理 the assistant no longer edits
    spouse = case.household.members.get(relation="spouse")
    Member.objects.filter(pk=spouse.pk).update(serious_illness=ILLNESS)
    client.force_login(demo.user(username))
    response = client.get(f"/cases/{case.pk}/members/{spouse.pk}/")
    assert response.status_code in (403, 404)
    assert ILLNESS not in response.content.decode() and spouse.id_number not in (
        response.content.decode()
    )
    assert not DataReveal.objects.exists()


def test_editing_health_still_works_for_the_clerk(demo, client):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)
    spouse = case.household.members.get(relation="spouse")
    client.force_login(clerk)
    url = f"/cases/{case.pk}/members/{spouse.pk}/"
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(serious_illness=ILLNESS, disability_type="肢体", disability_grade="2")
    data["birth_date"] = spouse.birth_date.isoformat()
    response = client.post(
        url, {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    spouse.refresh_from_db()
    assert (spouse.serious_illness, spouse.disability_type, spouse.disability_grade) == (
        ILLNESS,
        "肢体",
        2,
    )
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert clear_values_in(page) == []
    assert "重病/慢性病 “”→“已登记”" in page and "残疾等级 “”→“已登记”" in page


def test_the_edit_history_shows_health_and_disability_only_as_recorded():
    fields = ("serious_illness", "disability_type", "disability_grade")
    assert {Member._meta.get_field(f).verbose_name for f in fields} == SENSITIVE_CHANGE_LABELS
    changes = {
        "重病/慢性病": ["", ILLNESS],
        "残疾类别": ["视力", "肢体"],
        "残疾等级": [None, 2],
        "姓名": ["李秀英", "李秀兰"],
    }
    assert mask_changes(changes) == {
        "重病/慢性病": ["", RECORDED],
        "残疾类别": [RECORDED, RECORDED],
        "残疾等级": ["", RECORDED],
        "姓名": ["李秀英", "李秀兰"],
    }


def test_the_computation_steps_mask_the_disability_the_calculators_write():
    from decimal import Decimal

    from funds.standards import calculators as calc
    from funds.standards.tests.test_calculators import _tekun
    from relief.masking import mask_health_details

    tekun = _tekun(age=40, disability_type="肢体", disability_grade=2).steps
    refused = _tekun(age=40, disability_type="精神", disability_grade=4).steps
    _, addons = calc.category_addons(
        members=[
            calc.AddonFacts(name="王奶奶", age=50, disability_grade=2),
            calc.AddonFacts(name="王大强", age=45, disability_grade=3, seriously_ill=True),
        ],
        rules=calc.AddonRules(disabled_severe=Decimal("20"), disabled_other=Decimal("10")),
        standard=Decimal("790"),
    )
    steps = [mask_health_details(s) for s in (*tekun, *refused, *addons)]
    text = "".join(steps)
    assert "肢体" not in text and "精神" not in text and "2级" not in text and "4级" not in text
    assert any("条件一 无劳动能力：残疾（已登记）（C第6条），符合。" in s for s in steps)
    assert any("王奶奶（重度残疾人）" in s for s in steps)
    assert any("王大强（残疾人）" in s for s in steps)


def test_the_case_page_and_api_show_the_computation_with_the_disability_masked(demo, client):
    from cases.models import AmountComputation

    member = sick_member(demo.gushu)
    case = member.household.cases.get()
    AmountComputation.objects.create(
        case=case,
        eligible=True,
        monthly_amount="500.00",
        steps=["条件一 无劳动能力：肢体残疾2级（C第6条），符合。", "分类施保：王（2级重度残疾人）"],
    )
    client.force_login(demo.user("clerk"))
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "计算过程" in page and "残疾（已登记）" in page and "（重度残疾人）" in page
    assert clear_values_in(page) == [] and "2级" not in page
    body = api(demo.user("clerk")).get(f"/api/intake/cases/{case.pk}/").json()
    assert body["computation"]["steps"] == [
        "条件一 无劳动能力：残疾（已登记）（C第6条），符合。",
        "分类施保：王（重度残疾人）",
    ]
