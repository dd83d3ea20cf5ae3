"""Administration pages under /manage/: role checks, forms with errors at the field,
history, query counts."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from relief.models import (
    AssistanceType,
    Delegation,
    DelegationEvent,
    PolicySetting,
    Region,
    Role,
    User,
    WorkdayOverride,
    today,
)
from tests.factories import CaseFactory, HouseholdFactory

MANAGE_PAGES = [
    ("manage:regions", ()),
    ("manage:users", ()),
    ("manage:policies", ()),
    ("manage:calendar", ()),
    ("manage:types", ()),
    ("manage:region_create", ()),
    ("manage:user_create", ()),
    ("manage:delegation_create", ()),
]


@pytest.fixture
def admin_client(client, demo):
    client.force_login(demo.user("admin"))
    return client


def test_every_manage_page_renders_for_the_administrator(admin_client, demo):
    for name, args in [*MANAGE_PAGES, ("manage:delegations", ()), ("manage:delegation_list", ())]:
        response = admin_client.get(reverse(name, args=args))
        assert response.status_code == 200, name


@pytest.mark.parametrize("username", ["clerk", "approver", "assistant", "verifier", "supervisor"])
def test_non_administrators_are_refused_the_admin_pages(client, demo, username):
    client.force_login(demo.user(username))
    for name, args in MANAGE_PAGES:
        assert client.get(reverse(name, args=args)).status_code == 403, (username, name)


def test_anonymous_users_are_sent_to_login(client, demo):
    response = client.get(reverse("manage:regions"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_supervisor_sees_and_changes_delegations_but_not_other_admin_pages(client, demo):
    client.force_login(demo.user("supervisor"))
    assert client.get(reverse("manage:delegations")).status_code == 200
    d = Delegation.objects.get(township=demo.huangchi, assistance_type__code="dibao_rural")
    response = client.post(
        reverse("manage:delegation_detail", args=[d.pk]),
        {"status": "suspended", "effective_date": "2026-05-01", "reason": "抽查发现问题"},
    )
    assert response.status_code == 302
    assert DelegationEvent.objects.get(delegation=d).actor == demo.user("supervisor")
    assert client.get(reverse("manage:delegation_create")).status_code == 403
    history = client.get(reverse("manage:history", args=["delegation", d.pk])).content.decode()
    assert "自2026-05-01起暂停：抽查发现问题" in history and "有效 → 暂停" in history
    assert client.get(reverse("manage:history", args=["region", demo.gushu.pk])).status_code == 403


def test_a_township_user_cannot_open_a_delegation_page(client, demo):
    client.force_login(demo.user("approver"))
    d = Delegation.objects.filter(township=demo.gushu).first()
    assert client.get(reverse("manage:delegation_detail", args=[d.pk])).status_code == 403
    assert (
        client.post(
            reverse("manage:delegation_detail", args=[d.pk]), {"status": "revoked"}
        ).status_code
        == 403
    )


def test_another_countys_objects_are_404_for_the_administrator(admin_client, demo):
    county = Region.objects.create(code="340522000000", name="含山县", level="county")
    township = Region.objects.create(
        code="340522100000", name="环峰镇", level="township", parent=county
    )
    stranger = User.objects.create(username="hs", role=Role.TOWNSHIP_CLERK, region=township)
    d = Delegation.objects.create(
        township=township,
        assistance_type=AssistanceType.objects.get(code="dibao_rural"),
        document_no="含政委1号",
        document_date=datetime.date(2025, 1, 1),
        effective_from=datetime.date(2025, 1, 1),
    )
    for url in (
        reverse("manage:region_edit", args=[township.pk]),
        reverse("manage:user_edit", args=[stranger.pk]),
        reverse("manage:delegation_detail", args=[d.pk]),
        reverse("manage:policy_region", args=[township.pk]),
        reverse("manage:history", args=["user", stranger.pk]),
        reverse("manage:history", args=["region", county.pk]),
    ):
        assert admin_client.get(url).status_code == 404, url
    assert (
        admin_client.post(
            reverse("manage:user_set_active", args=[stranger.pk]), {"active": "0"}
        ).status_code
        == 404
    )
    assert "环峰镇" not in admin_client.get(reverse("manage:regions")).content.decode()


# --- Regions --------------------------------------------------------------------------


def test_the_administrator_creates_a_village_through_the_form(admin_client, demo):
    response = admin_client.post(
        reverse("manage:region_create"),
        {"level": "village", "parent": demo.wuxi.pk, "code": "340521102204", "name": "新河村"},
    )
    assert response.status_code == 302
    village = Region.objects.get(code="340521102204")
    assert village.parent == demo.wuxi and village.level == "village"
    assert village.history.first().history_user == demo.user("admin")


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"level": "village", "code": "34052110220", "name": "甲村"},
            "code",
            "区划代码须为12位数字",
        ),
        ({"level": "village", "code": "340521100201", "name": "甲村"}, "code", "已被使用"),
        (
            {"level": "village", "code": "340521100299", "name": "甲村", "parent_is": "county"},
            "parent",
            "村(社区)的上级须为乡镇(街道)",
        ),
        (
            {"level": "township", "code": "340521105000", "name": "甲镇", "parent_is": "township"},
            "parent",
            "乡镇(街道)的上级须为县(区)",
        ),
        ({"level": "village", "code": "340521101299", "name": "甲村"}, "code", "代码前9位须与上级"),
        (
            {"level": "township", "code": "340521105001", "name": "甲镇", "parent_is": "county"},
            "code",
            "后3位应为0",
        ),
        (
            {"level": "county", "code": "340523000000", "name": "甲县", "parent_is": None},
            "level",
            "只有系统超级管理员",
        ),
    ],
)
def test_bad_region_input_shows_a_chinese_error_at_the_field(
    admin_client, demo, data, field, message
):
    data = dict(data)
    parent_is = data.pop("parent_is", "gushu")
    parent = {"county": demo.county, "township": demo.gushu, "gushu": demo.gushu, None: None}[
        parent_is
    ]
    if parent:
        data["parent"] = parent.pk
    before = Region.objects.count()
    response = admin_client.post(reverse("manage:region_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert Region.objects.count() == before


def test_a_region_is_renamed_and_its_history_shows_who_changed_what(admin_client, demo):
    admin_client.post(
        reverse("manage:region_edit", args=[demo.village.pk]),
        {"code": demo.village.code, "name": "城东新社区"},
    )
    demo.village.refresh_from_db()
    assert demo.village.name == "城东新社区"
    page = admin_client.get(
        reverse("manage:history", args=["region", demo.village.pk])
    ).content.decode()
    assert "城东社区 → 城东新社区" in page
    assert "王建国" in page  # the administrator's name


def test_a_region_with_active_children_or_users_cannot_be_deactivated(admin_client, demo):
    response = admin_client.post(
        reverse("manage:region_set_active", args=[demo.wuxi.pk]), {"active": "0"}, follow=True
    )
    assert "请先停用全部下级区划" in response.content.decode()
    empty = Region.objects.create(
        code="340521102209", name="空村", level="village", parent=demo.wuxi
    )
    admin_client.post(reverse("manage:region_set_active", args=[empty.pk]), {"active": "0"})
    empty.refresh_from_db()
    assert empty.active is False
    response = admin_client.post(
        reverse("manage:region_set_active", args=[demo.village.pk]), {"active": "0"}, follow=True
    )
    assert "启用的用户" in response.content.decode()


# --- Users ----------------------------------------------------------------------------


def _user_data(**overrides):
    data = {
        "username": "newclerk",
        "full_name": "钱小红",
        "phone": "13800000000",
        "role": "township_clerk",
        "extra_role": "",
        "region": None,
        "id_number": "",
        "password": "Gushu-clerk-2026",
        "password2": "Gushu-clerk-2026",
    }
    data.update(overrides)
    return data


def test_the_administrator_creates_a_user_through_the_form(admin_client, demo):
    response = admin_client.post(
        reverse("manage:user_create"),
        _user_data(region=demo.gushu.pk, extra_role="township_approver"),
    )
    assert response.status_code == 302
    user = User.objects.get(username="newclerk")
    assert user.roles == {"township_clerk", "township_approver"}
    assert user.region == demo.gushu and user.check_password("Gushu-clerk-2026")
    assert not user.is_staff


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"region": "village"}, "region", "乡镇民政经办人须归属乡镇(街道)"),
        ({"extra_role": "county_supervisor"}, "extra_role", "兼任角色须与主要角色同一层级"),
        ({"extra_role": "township_clerk"}, "extra_role", "不能与主要角色相同"),
        ({"password": "12345678", "password2": "12345678"}, "password", "密码"),
        ({"password2": "other-Pass-2026"}, "password2", "两次输入的密码不一致"),
        ({"username": "clerk"}, "username", "已存在"),
        ({"id_number": "130402198207290622"}, "id_number", "身份证号无效"),
    ],
)
def test_bad_user_input_shows_a_chinese_error_at_the_field(
    admin_client, demo, overrides, field, message
):
    overrides = dict(overrides)
    region = demo.village.pk if overrides.pop("region", None) == "village" else demo.gushu.pk
    response = admin_client.post(
        reverse("manage:user_create"), _user_data(region=region, **overrides)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    assert not User.objects.filter(username="newclerk").exists()


def test_password_reset_uses_the_password_validators(admin_client, demo):
    clerk = demo.user("clerk")
    url = reverse("manage:user_password", args=[clerk.pk])
    response = admin_client.post(url, {"password": "password", "password2": "password"})
    assert response.status_code == 200
    assert any("常见" in e or "太短" in e for e in response.context["form"].errors["password"])
    assert (
        admin_client.post(
            url, {"password": "Xin-mima-2026!", "password2": "Xin-mima-2026!"}
        ).status_code
        == 302
    )
    clerk.refresh_from_db()
    assert clerk.check_password("Xin-mima-2026!")


def test_deactivating_and_issuing_a_token(admin_client, demo):
    clerk = demo.user("clerk")
    response = admin_client.post(reverse("manage:user_token", args=[clerk.pk]), follow=True)
    token = Token.objects.get(user=clerk)
    assert token.key in response.content.decode()
    admin_client.post(reverse("manage:user_set_active", args=[clerk.pk]), {"active": "0"})
    clerk.refresh_from_db()
    assert clerk.is_active is False and not Token.objects.filter(user=clerk).exists()
    response = admin_client.post(
        reverse("manage:user_set_active", args=[demo.user("admin").pk]),
        {"active": "0"},
        follow=True,
    )
    assert "不能停用本人账号" in response.content.decode()


def test_the_user_list_filters_and_has_a_fixed_number_of_queries(
    admin_client, demo, django_assert_max_num_queries
):
    for i in range(30):
        User.objects.create(username=f"extra{i}", role=Role.VILLAGE_ASSISTANT, region=demo.village)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("manage:users"))
    assert response.status_code == 200
    page = admin_client.get(reverse("manage:users"), {"role": "township_approver"}).content.decode()
    assert "approver_huangchi" in page and "extra1" not in page
    page = admin_client.get(reverse("manage:users"), {"region": demo.wuxi.pk}).content.decode()
    assert "clerk_wuxi" in page and "assistant_wuxi" in page and "approver_huangchi" not in page


def test_the_region_tree_has_a_fixed_number_of_queries(
    admin_client, demo, django_assert_max_num_queries
):
    for i in range(20):
        Region.objects.create(
            code=f"340521104{300 + i:03d}",
            name=f"新村{i}",
            level="village",
            parent=Region.objects.get(code="340521104000"),
        )
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("manage:regions"))
    assert "新村19" in response.content.decode()


# --- Delegations ----------------------------------------------------------------------


def test_the_matrix_shows_who_holds_power_today(admin_client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):  # constant: not one query per township or type
        page = admin_client.get(reverse("manage:delegations")).content.decode()
    assert f'data-township="{demo.gushu.code}" data-type="tekun_dispersed" data-holds="1"' in page
    assert (
        f'data-township="{demo.huangchi.code}" data-type="tekun_dispersed" data-holds="0"' in page
    )
    assert f'data-township="{demo.wuxi.code}" data-type="dibao_rural" data-holds="0"' in page


def test_the_administrator_grants_a_delegation_and_the_matrix_follows(admin_client, demo):
    response = admin_client.post(
        reverse("manage:delegation_create"),
        {
            "township": demo.wuxi.pk,
            "assistance_type": AssistanceType.objects.get(code="dibao_rural").pk,
            "document_no": "当政委〔2026〕5号",
            "document_date": "2026-01-01",
            "effective_from": "2026-01-02",
            "effective_until": "",
            "phase": "pilot",
        },
    )
    assert response.status_code == 302
    d = Delegation.objects.get(document_no="当政委〔2026〕5号")
    page = admin_client.get(reverse("manage:delegations")).content.decode()
    assert f'data-township="{demo.wuxi.code}" data-type="dibao_rural" data-holds="1"' in page
    detail = admin_client.get(reverse("manage:delegation_detail", args=[d.pk])).content.decode()
    assert "当政委〔2026〕5号" in detail and "新建" in detail


def test_bad_delegation_input_shows_errors_at_the_fields(admin_client, demo):
    response = admin_client.post(
        reverse("manage:delegation_create"),
        {
            "township": demo.wuxi.pk,
            "assistance_type": AssistanceType.objects.get(code="dibao_rural").pk,
            "document_no": "x",
            "document_date": "2026-01-01",
            "effective_from": "2026-03-01",
            "effective_until": "2026-02-01",
            "phase": "full",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["effective_until"] == ["截止日期不能早于生效日期"]
    response = admin_client.post(reverse("manage:delegation_create"), {"township": demo.village.pk})
    assert "township" in response.context["form"].errors  # a village is not offered at all


def test_a_status_change_without_reason_is_refused_at_the_field(admin_client, demo):
    d = Delegation.objects.filter(township=demo.gushu).first()
    response = admin_client.post(
        reverse("manage:delegation_detail", args=[d.pk]),
        {"status": "suspended", "effective_date": "2026-05-01", "reason": " "},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not DelegationEvent.objects.filter(delegation=d).exists()


# --- Policies -------------------------------------------------------------------------


def test_the_policy_table_shows_value_source_and_snapshot_note(admin_client, demo):
    page = admin_client.get(
        reverse("manage:policy_region", args=[demo.shiqiao.pk])
    ).content.decode()
    assert 'data-testid="snapshot-note"' in page and "已受理的案件按受理当日的政策快照办理" in page
    assert (
        "乡镇：石桥镇" in page and "默认值" in page and "《最低生活保障审核确认办法》第22条" in page
    )


def test_the_administrator_sets_a_policy_through_the_form(admin_client, demo):
    url = reverse("manage:policy_key", args=[demo.county.pk, "notice_days"])
    response = admin_client.post(
        url, {"value": "10", "effective_from": "2026-01-01", "note": "县民政局文件"}
    )
    assert response.status_code == 302
    row = PolicySetting.objects.get(region=demo.county, key="notice_days")
    assert row.value == 10 and row.created_by == demo.user("admin")
    page = admin_client.get(reverse("manage:policy_region", args=[demo.wuxi.pk])).content.decode()
    assert "县级：当涂县" in page


def test_a_bad_policy_value_shows_the_parse_error_at_the_field(admin_client, demo):
    url = reverse("manage:policy_key", args=[demo.county.pk, "spot_check_ratio_tekun"])
    response = admin_client.post(url, {"value": "0.1", "effective_from": "2026-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["value"] == ["特困新增对象抽查比例：不能小于 0.30"]
    assert 'data-testid="error-value"' in response.content.decode()
    assert not PolicySetting.objects.filter(key="spot_check_ratio_tekun").exists()


def test_an_unknown_policy_key_or_a_village_is_404(admin_client, demo):
    assert (
        admin_client.get(reverse("manage:policy_key", args=[demo.county.pk, "nope"])).status_code
        == 404
    )
    assert (
        admin_client.get(reverse("manage:policy_region", args=[demo.village.pk])).status_code == 404
    )


# --- Calendar, types ------------------------------------------------------------------


def test_the_calendar_month_view_flags_unconfirmed_dates(admin_client, demo):
    page = admin_client.get(reverse("manage:calendar"), {"year": 2026, "month": 2}).content.decode()
    assert 'data-date="2026-02-14" data-kind="makeup" data-confirmed="1"' in page
    assert 'data-date="2026-02-17" data-kind="holiday"' in page
    page = admin_client.get(reverse("manage:calendar"), {"year": 2027, "month": 1}).content.decode()
    assert 'data-testid="unconfirmed-warning"' in page and "未确认" in page


def test_overrides_are_added_edited_and_deleted(admin_client, demo):
    response = admin_client.post(
        reverse("manage:calendar_create"), {"date": "2027-01-01", "is_workday": "0", "note": "元旦"}
    )
    assert response.status_code == 302
    o = WorkdayOverride.objects.get(date=datetime.date(2027, 1, 1))
    response = admin_client.post(
        reverse("manage:calendar_create"), {"date": "2027-01-01", "is_workday": "0"}
    )
    assert "已有调整记录" in response.context["form"].errors["date"][0]
    admin_client.post(
        reverse("manage:calendar_edit", args=[o.pk]),
        {"date": "2027-01-01", "is_workday": "0", "note": "元旦假期"},
    )
    o.refresh_from_db()
    assert o.note == "元旦假期"
    page = admin_client.get(reverse("manage:calendar"), {"year": 2027, "month": 1}).content.decode()
    assert 'data-testid="year-2027"' in page and 'data-testid="unconfirmed-warning"' not in page
    admin_client.post(reverse("manage:calendar_delete", args=[o.pk]))
    assert not WorkdayOverride.objects.exists()
    history = admin_client.get(
        reverse("manage:history", args=["workdayoverride", o.pk])
    ).content.decode()
    assert "删除" in history and "元旦 → 元旦假期" in history


def test_an_assistance_type_is_edited(admin_client, demo):
    t = AssistanceType.objects.get(code="orphan")
    response = admin_client.post(
        reverse("manage:type_edit", args=[t.pk]),
        {"name": "孤儿基本生活费", "workflow": "simple", "sort_order": "3"},
    )
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.name == "孤儿基本生活费" and t.active is False and t.sort_order == 3
    assert (
        "孤儿基本生活保障 → 孤儿基本生活费"
        in admin_client.get(
            reverse("manage:history", args=["assistancetype", t.pk])
        ).content.decode()
    )


# --- Home pages and the Django admin --------------------------------------------------


def test_the_administrator_home_warns_when_next_years_calendar_is_unknown(admin_client, demo):
    next_year = today().year + 1
    page = admin_client.get("/").content.decode()
    assert ('data-testid="calendar-warning"' in page) is (next_year > 2026)
    WorkdayOverride.objects.create(
        date=datetime.date(next_year, 1, 1), is_workday=False, note="元旦"
    )
    assert 'data-testid="calendar-warning"' not in admin_client.get("/").content.decode()


def test_home_pages_show_the_roles_own_figures(client, demo):
    client.force_login(demo.user("admin"))
    page = client.get("/").content.decode()
    assert 'data-testid="region-counts"' in page and "乡镇(街道) 5" in page
    assert 'data-testid="delegation-summary"' in page
    client.force_login(demo.user("approver_huangchi"))
    page = client.get("/").content.decode()
    assert 'data-testid="township-power"' in page and "农村最低生活保障：本级确认" in page
    assert "特困人员救助供养(分散供养)：报县审批" in page
    client.force_login(demo.user("assistant"))
    page = client.get("/").content.decode()
    assert 'data-testid="home-role">village_assistant<' in page and "btn-lg" in page
    assert "登记新申请" in page and "本村案件" in page


def test_home_pages_count_only_the_users_region(client, demo):
    CaseFactory(household=HouseholdFactory(village=demo.village))
    CaseFactory(household=HouseholdFactory(village=demo.wuxi_village))
    CaseFactory(household=HouseholdFactory(village=demo.wuxi_village), force_state="withdrawn")
    client.force_login(demo.user("clerk_wuxi"))
    response = client.get("/")
    assert response.context["cases_total"] == 2 and response.context["open_total"] == 1
    page = response.content.decode()
    assert 'data-testid="open-total">1<' in page and "已办结：" in page and "申请人撤回 1" in page
    client.force_login(demo.user("supervisor"))
    assert client.get("/").context["cases_total"] == 3


def test_the_django_admin_is_for_administrators_only(client, demo):
    client.force_login(demo.user("clerk"))
    assert client.get("/admin/").status_code == 302  # to the admin login
    staff_clerk = demo.user("clerk_wuxi")
    staff_clerk.is_staff = True
    staff_clerk.save()
    client.force_login(staff_clerk)
    assert client.get("/admin/relief/region/").status_code == 302
    admin = User.objects.create(
        username="admin2", role=Role.ADMINISTRATOR, region=demo.county, is_staff=True
    )
    client.force_login(admin)
    assert client.get("/admin/relief/region/").status_code == 200
    assert client.get("/admin/relief/delegation/").status_code == 200
    assert client.get(f"/admin/relief/region/{demo.gushu.pk}/history/").status_code == 200


def test_user_history_names_roles_and_regions_not_codes(admin_client, demo):
    clerk = demo.user("clerk_wuxi")
    admin_client.post(
        reverse("manage:user_edit", args=[clerk.pk]),
        {
            "username": clerk.username,
            "full_name": clerk.full_name,
            "role": "township_clerk",
            "extra_role": "",
            "region": demo.huangchi.pk,
            "phone": "",
            "id_number": "",
        },
    )
    page = admin_client.get(reverse("manage:history", args=["user", clerk.pk])).content.decode()
    assert "乌溪镇 → 黄池镇" in page
    assert "乡镇审核确认人 → (空)" in page
