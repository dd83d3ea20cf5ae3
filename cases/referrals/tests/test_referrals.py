"""一门受理、协同办理: the administrator's contact list, the township's referral and the
department's answer; Chinese messages at the field, nothing half-saved, another township 404."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Department, Referral
from cases.referrals import services
from cases.workflow.tests.helpers import fast_passwords, make_case  # noqa: F401


@pytest.fixture
def dept(demo):
    return Department.objects.create(
        county=demo.county, name="县医疗保障局", need_kind="医疗救助", phone="0555-1234567"
    )


def refer(demo, case, dept, user="clerk", **kw):
    data = {"need_kind": "医疗救助", "need": "住院自付费用高，申请医疗救助", "department": dept.pk}
    data.update(kw)
    return services.referral_create(case=case, actor=demo.user(user), **data)


def test_the_need_kinds_are_the_county_setting(demo):
    from relief.policy import policy_for

    kinds = services.need_kinds(policy_for(demo.gushu, timezone.localdate()))
    assert kinds[:5] == ["医疗救助", "教育救助", "住房救助", "就业救助", "受灾人员救助"]


def test_the_administrator_keeps_the_contact_list(demo):
    admin = demo.user("admin")
    d = services.department_save(
        actor=admin, data={"name": "县教育局", "need_kind": "教育救助", "phone": "1"}
    )
    assert d.county == demo.county
    with pytest.raises(ValidationError) as exc:
        services.department_save(actor=admin, data={"name": "", "need_kind": "养老"})
    assert exc.value.message_dict["name"] == ["请填写部门名称"]
    assert "承办救助事项须为" in exc.value.message_dict["need_kind"][0]
    with pytest.raises(ValidationError) as exc:
        services.department_save(actor=admin, data={"name": "县教育局", "need_kind": "教育救助"})
    assert "同名" in exc.value.message_dict["name"][0]
    with pytest.raises(PermissionDenied):
        services.department_save(actor=demo.user("clerk"), data={"name": "x"})
    assert Department.objects.count() == 1


def test_the_clerk_refers_and_records_the_answer(demo, dept):
    case = make_case(demo.gushu, "temp_expense")
    referral = refer(demo, case, dept)
    assert referral.is_open and referral.age_days() == 0
    assert case.events.filter(transition="referral").exists()
    today = timezone.localdate()
    services.referral_answer(
        referral=referral,
        actor=demo.user("clerk"),
        answer="已受理，纳入医疗救助",
        answered_on=today,
    )
    referral.refresh_from_db()
    assert not referral.is_open and referral.answered_on == today
    with pytest.raises(ValidationError):
        services.referral_answer(
            referral=referral, actor=demo.user("clerk"), answer="再答", answered_on=today
        )


def test_bad_referral_input_at_the_field_nothing_saved(demo, dept):
    case = make_case(demo.gushu, "temp_expense")
    with pytest.raises(ValidationError) as exc:
        refer(demo, case, dept, need_kind="", need="", department="")
    errors = exc.value.message_dict
    assert errors["need_kind"] == ["请选择救助事项"]
    assert errors["need"] == ["请填写需求说明"]
    assert errors["department"] == ["请选择本县(区)在用的转办部门"]
    dept.active = False
    dept.save()
    with pytest.raises(ValidationError) as exc:
        refer(demo, case, dept)
    assert "department" in exc.value.message_dict
    assert not Referral.objects.exists()


def test_bad_answer_input_at_the_field(demo, dept):
    case = make_case(demo.gushu, "temp_expense")
    referral = refer(demo, case, dept)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for answer, on, field, message in (
        ("", timezone.localdate(), "answer", "请填写部门答复"),
        ("好", "x", "answered_on", "请填写答复日期（年-月-日）"),
        ("好", tomorrow, "answered_on", "答复日期不能晚于今天"),
        ("好", datetime.date(2020, 1, 1), "answered_on", "答复日期不能早于转办日期"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.referral_answer(
                referral=referral, actor=demo.user("clerk"), answer=answer, answered_on=on
            )
        assert exc.value.message_dict[field] == [message]
    referral.refresh_from_db()
    assert referral.is_open


def test_the_village_assistant_may_not_refer(demo, dept):
    with pytest.raises(ValidationError):
        refer(demo, make_case(demo.gushu, "temp_expense"), dept, user="assistant")


def test_pages_case_card_list_and_404_elsewhere(client, demo, dept):
    case = make_case(demo.gushu, "temp_expense")
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="referral-panel"' in page
    url = reverse("cases:referral_new", args=[case.pk])
    bad = client.post(url, {"need_kind": "", "need": "", "department": ""})
    assert bad.status_code == 400 and "请选择救助事项" in bad.content.decode()
    ok = client.post(url, {"need_kind": "医疗救助", "need": "住院", "department": str(dept.pk)})
    assert ok.status_code == 302
    referral = Referral.objects.get()
    listing = client.get(reverse("cases:referral_list")).content.decode()
    assert case.number in listing and "未答复 · 已0天" in listing
    answer_url = reverse("cases:referral_answer", args=[referral.pk])
    bad = client.post(answer_url, {"answer": "", "answered_on": ""})
    assert bad.status_code == 400 and "请填写部门答复" in bad.content.decode()
    ok = client.post(
        answer_url, {"answer": "已受理", "answered_on": timezone.localdate().isoformat()}
    )
    assert ok.status_code == 302
    client.force_login(demo.user("clerk_wuxi"))
    assert client.get(answer_url).status_code == 404
    assert client.get(url).status_code == 404
    assert case.number not in client.get(reverse("cases:referral_list")).content.decode()


def test_the_contact_list_page_is_the_administrators(client, demo, dept):
    url = reverse("cases:referral_departments")
    client.force_login(demo.user("clerk"))
    assert client.get(url).status_code == 403
    client.force_login(demo.user("admin"))
    assert "县医疗保障局" in client.get(url).content.decode()
    bad = client.post(url, {"name": "", "need_kind": ""})
    assert bad.status_code == 400 and "请填写部门名称" in bad.content.decode()
    ok = client.post(url, {"name": "县住建局", "need_kind": "住房救助", "active": "on"})
    assert ok.status_code == 302
    edit = reverse("cases:referral_department_edit", args=[dept.pk])
    ok = client.post(edit, {"name": "县医保局", "need_kind": "医疗救助"})
    assert ok.status_code == 302
    dept.refresh_from_db()
    assert dept.name == "县医保局" and not dept.active


# --- the department's own user (Role.DEPARTMENT_OFFICER) -------------------------------


@pytest.fixture
def officer(demo, dept):
    from relief.models import Role, User

    user = User.objects.create_user(
        username="yibao_test",
        password="x",
        role=Role.DEPARTMENT_OFFICER,
        region=demo.county,
        full_name="钱测试",
    )
    dept.members.add(user)
    return user


def test_the_department_user_sees_and_answers_only_its_referrals(client, demo, dept, officer):
    other = Department.objects.create(county=demo.county, name="县教育局", need_kind="教育救助")
    mine = refer(demo, make_case(demo.gushu, "temp_expense"), dept)
    theirs = refer(
        demo, make_case(demo.gushu, "temp_expense"), other, need_kind="教育救助", need="学费"
    )
    client.force_login(officer)
    listing = client.get(reverse("cases:referral_list")).content.decode()
    assert mine.case.number in listing and theirs.case.number not in listing
    assert client.get(reverse("cases:referral_answer", args=[theirs.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.referral_answer(
            referral=theirs, actor=officer, answer="x", answered_on=timezone.localdate()
        )
    ok = client.post(
        reverse("cases:referral_answer", args=[mine.pk]),
        {"answer": "已纳入医疗救助", "answered_on": timezone.localdate().isoformat()},
    )
    assert ok.status_code == 302
    mine.refresh_from_db()
    assert mine.answer == "已纳入医疗救助" and mine.answer_recorded_by == officer


def test_the_department_user_sees_nothing_else(client, demo, dept, officer):
    from cases.workflow.selectors import case_list_for_user
    from relief.scoping import regions_for_user

    case = make_case(demo.gushu, "temp_expense")
    refer(demo, case, dept)
    assert not case_list_for_user(user=officer).exists()
    assert not regions_for_user(officer).exists()
    client.force_login(officer)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases:referral_new", args=[case.pk])).status_code == 403
    assert client.get(reverse("cases:referral_departments")).status_code == 403
    assert client.get(reverse("cases:emergency_list")).status_code == 403
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "转办给本部门的事项" in home.content.decode()


def test_the_administrator_names_the_department_users(client, demo, dept, officer):
    client.force_login(demo.user("admin"))
    edit = reverse("cases:referral_department_edit", args=[dept.pk])
    page = client.get(edit).content.decode()
    assert "钱测试" in page
    ok = client.post(edit, {"name": dept.name, "need_kind": "医疗救助", "active": "on"})
    assert ok.status_code == 302
    assert not dept.members.exists()
    ok = client.post(
        edit,
        {"name": dept.name, "need_kind": "医疗救助", "active": "on", "members": [officer.pk]},
    )
    assert ok.status_code == 302 and list(dept.members.all()) == [officer]
    bad = client.post(
        edit,
        {"name": dept.name, "need_kind": "医疗救助", "members": [demo.user("clerk").pk]},
    )
    assert bad.status_code == 400 and "请选择本县(区)的协同部门经办人账号" in bad.content.decode()


def _url_names(resolver, prefix=""):
    for p in resolver.url_patterns:
        if hasattr(p, "url_patterns"):
            yield from _url_names(p, f"{prefix}{p.namespace}:" if p.namespace else prefix)
        elif p.name:
            yield prefix + p.name


def test_no_page_without_an_object_shows_the_department_user_a_case(client, demo):
    """Every parameterless page and API list the demo 医保 user may open: no case number."""
    import re

    from django.urls import NoReverseMatch, get_resolver

    from relief.models import User

    make_case(demo.gushu, "temp_expense")
    client.force_login(User.objects.get(username="dept_yibao"))
    for name in sorted(set(_url_names(get_resolver()))):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        if url.startswith(("/admin", "/public", "/logout", "/api/schema", "/api/docs")):
            continue
        response = client.get(url)
        if response.status_code == 200:
            body = response.content.decode(errors="ignore")
            assert not re.findall(r"340521\d{12}", body), name


def test_the_api_refers_answers_and_scopes(client, demo, dept, officer):
    case = make_case(demo.gushu, "temp_expense")
    client.force_login(demo.user("clerk"))
    bad = client.post(
        "/api/referrals/", {"case": case.pk, "need_kind": "", "need": ""}, "application/json"
    )
    assert bad.status_code == 400 and "请选择救助事项" in bad.content.decode()
    assert not Referral.objects.exists()
    made = client.post(
        "/api/referrals/",
        {"case": case.pk, "need_kind": "医疗救助", "need": "住院", "department": str(dept.pk)},
        "application/json",
    )
    assert made.status_code == 201, made.content
    rid = made.json()["id"]
    assert [r["id"] for r in client.get("/api/referrals/").json()] == [rid]
    client.force_login(demo.user("clerk_wuxi"))
    assert client.get(f"/api/referrals/{rid}/").status_code == 404
    assert (
        client.post(
            "/api/referrals/", {"case": case.pk, "need_kind": "医疗救助"}, "application/json"
        ).status_code
        == 404
    )
    client.force_login(officer)
    assert [r["id"] for r in client.get("/api/referrals/").json()] == [rid]
    bad = client.post(f"/api/referrals/{rid}/answer/", {"answer": "好"}, "application/json")
    assert bad.status_code == 400 and "答复日期" in bad.content.decode()
    ok = client.post(
        f"/api/referrals/{rid}/answer/",
        {"answer": "已受理", "answered_on": timezone.localdate().isoformat()},
        "application/json",
    )
    assert ok.status_code == 200 and ok.json()["is_open"] is False
