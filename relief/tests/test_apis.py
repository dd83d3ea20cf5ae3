"""Core API: scoping, the holds-power and workday answers, status changes, auth, schema."""

import datetime

import pytest
import yaml
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from relief.delegation import delegation_change_status, holds_power
from relief.models import AssistanceType, Delegation
from relief.policy import policy_set
from relief.services import user_set_active

D = datetime.date


@pytest.fixture
def api(demo):
    def login(username):
        client = APIClient()
        client.force_authenticate(demo.user(username))
        return client

    return login


def test_anonymous_requests_are_refused(demo):
    assert APIClient().get("/api/me/").status_code in (401, 403)
    assert APIClient().get("/api/regions/").status_code in (401, 403)


def test_a_token_authenticates(demo):
    token = Token.objects.create(user=demo.user("clerk"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "clerk"


def test_me_tells_roles_and_region(api, demo):
    data = api("clerk_wuxi").get("/api/me/").json()
    assert data["role"] == "township_clerk"
    assert [r["code"] for r in data["roles"]] == ["township_clerk", "township_approver"]
    assert data["roles"][1]["label"] == "乡镇审核确认人"
    assert data["region"] == {"code": demo.wuxi.code, "name": "乌溪镇", "level": "township"}
    assert data["is_administrator"] is False


def test_regions_are_scoped_and_filterable(api, demo, django_assert_max_num_queries):
    client = api("admin")
    with django_assert_max_num_queries(4):
        data = client.get("/api/regions/?level=township").json()
    assert {r["code"] for r in data["results"]} == {
        "340521100000",
        "340521101000",
        "340521102000",
        "340521103000",
        "340521104000",
    }
    villages = client.get(f"/api/regions/?parent={demo.gushu.code}").json()["results"]
    assert {r["parent_code"] for r in villages} == {demo.gushu.code}
    clerk = api("clerk")
    codes = {r["code"] for r in clerk.get("/api/regions/").json()["results"]}
    assert demo.gushu.code in codes and demo.wuxi.code not in codes
    assert clerk.get(f"/api/regions/{demo.wuxi_village.code}/").status_code == 404
    assert clerk.get(f"/api/regions/{demo.village.code}/").status_code == 200


def test_assistance_types_are_listed_for_everyone(api, demo):
    AssistanceType.objects.filter(code="orphan").update(active=False)
    data = api("assistant").get("/api/assistance-types/?active=1").json()
    codes = [t["code"] for t in data["results"]]
    assert "dibao_rural" in codes and "orphan" not in codes
    assert api("assistant").get("/api/assistance-types/orphan/").json()["active"] is False


def test_delegations_are_scoped_and_the_list_has_a_fixed_number_of_queries(
    api, demo, django_assert_max_num_queries
):
    admin = api("admin")
    with django_assert_max_num_queries(5):
        data = admin.get("/api/delegations/").json()
    assert data["count"] == Delegation.objects.count()
    townships = {
        d["township"]["code"]
        for d in api("clerk_huangchi").get("/api/delegations/").json()["results"]
    }
    assert townships == {demo.huangchi.code}
    other = Delegation.objects.filter(township=demo.gushu).first()
    assert api("clerk_huangchi").get(f"/api/delegations/{other.pk}/").status_code == 404
    assert api("assistant").get("/api/delegations/").json()["count"] == 0


def test_holds_power_answers_through_the_delegation_rule(api, demo):
    client = api("supervisor")
    url = "/api/delegations/holds-power/"
    yes = client.get(
        url, {"township": demo.gushu.code, "type": "tekun_dispersed", "date": "2026-06-01"}
    ).json()
    assert yes["holds_power"] is True and yes["phase"] == "pilot" and yes["document_no"]
    no = client.get(
        url, {"township": demo.huangchi.code, "type": "tekun_dispersed", "date": "2026-06-01"}
    ).json()
    assert no["holds_power"] is False and no["delegation_id"] is None
    before = client.get(
        url, {"township": demo.gushu.code, "type": "dibao_rural", "date": "2021-10-31"}
    ).json()
    assert before["holds_power"] is False


def test_holds_power_follows_a_suspension(api, demo):
    d = Delegation.objects.get(township=demo.huangchi, assistance_type__code="dibao_rural")
    delegation_change_status(
        delegation=d, status="suspended", effective_date=D(2026, 5, 1), reason="整改", actor=None
    )
    url = "/api/delegations/holds-power/"
    client = api("clerk_huangchi")
    assert client.get(
        url, {"township": demo.huangchi.code, "type": "dibao_rural", "date": "2026-04-30"}
    ).json()["holds_power"]
    assert not client.get(
        url, {"township": demo.huangchi.code, "type": "dibao_rural", "date": "2026-05-01"}
    ).json()["holds_power"]


def test_holds_power_rejects_bad_parameters_in_chinese_and_hides_other_townships(api, demo):
    client = api("clerk")
    url = "/api/delegations/holds-power/"
    r = client.get(url, {"township": demo.gushu.code, "type": "dibao_rural", "date": "2026/01/01"})
    assert r.status_code == 400 and r.json()["errors"]["date"] == ["日期格式应为 YYYY-MM-DD"]
    r = client.get(url, {"township": demo.gushu.code, "type": "nope"})
    assert r.status_code == 400 and "未知的救助类型" in r.json()["errors"]["type"][0]
    r = client.get(url, {"type": "dibao_rural"})
    assert r.status_code == 400 and r.json()["errors"]["township"] == ["请提供乡镇区划代码"]
    assert client.get(url, {"township": demo.wuxi.code, "type": "dibao_rural"}).status_code == 404


def test_administrators_and_supervisors_change_delegation_status_others_cannot(api, demo):
    d = Delegation.objects.get(township=demo.huangchi, assistance_type__code="dibao_rural")
    url = f"/api/delegations/{d.pk}/status/"
    body = {"status": "suspended", "effective_date": "2026-05-01", "reason": "抽查问题率高"}
    assert api("clerk_huangchi").post(url, body, format="json").status_code == 403
    assert api("approver_huangchi").post(url, body, format="json").status_code == 403
    r = api("supervisor").post(url, body, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "suspended" and r.json()["events"][0]["actor"] == "supervisor"
    r = api("admin").post(
        url, {"status": "active", "effective_date": "2026-04-01", "reason": "x"}, format="json"
    )
    assert r.status_code == 400 and "上一次变更" in r.json()["errors"]["effective_date"][0]
    r = api("admin").post(
        url, {"status": "active", "effective_date": "2026-06-01", "reason": ""}, format="json"
    )
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    assert holds_power(demo.huangchi, d.assistance_type, D(2026, 5, 2)) is False


def test_the_effective_policy_merges_county_and_township_rows(api, demo):
    policy_set(
        region=demo.county, key="notice_days", raw_value=9, effective_from=D(2026, 1, 1), actor=None
    )
    client = api("clerk_shiqiao")
    data = client.get(
        "/api/policies/effective/", {"township": demo.shiqiao.code, "date": "2026-06-01"}
    ).json()
    assert data["values"]["dibao_limit_delegated_wd"] == 12
    assert data["levels"]["dibao_limit_delegated_wd"] == "township"
    assert data["values"]["notice_days"] == 9 and data["sources"]["notice_days"] == "当涂县"
    assert data["values"]["spot_check_ratio_dibao"] == "0.30"
    assert data["labels"]["notice_days"] == "公示期"
    before = client.get(
        "/api/policies/effective/", {"township": demo.shiqiao.code, "date": "2021-10-01"}
    ).json()
    assert before["values"]["dibao_limit_delegated_wd"] == 20
    assert client.get("/api/policies/effective/", {"township": demo.gushu.code}).status_code == 404


def test_workdays_add_answers_date_and_confirmation(api, demo):
    client = api("assistant")
    r = client.get("/api/workdays/add/", {"start": "2026-02-13", "n": 2}).json()
    assert r == {"start": "2026-02-13", "n": 2, "date": "2026-02-24", "confirmed": True}
    r = client.get("/api/workdays/add/", {"start": "2026-12-24", "n": 6}).json()
    assert r["date"] == "2027-01-01" and r["confirmed"] is False
    assert client.get("/api/workdays/add/", {"start": "2026-02-13", "n": "x"}).status_code == 400
    assert client.get("/api/workdays/add/", {"start": "2026-02-13", "n": -1}).status_code == 400
    assert client.get("/api/workdays/add/", {"n": 1}).status_code == 400


def test_a_deactivated_account_cannot_use_its_token(demo):
    clerk = demo.user("clerk")
    token = Token.objects.create(user=clerk)
    user_set_active(actor=demo.user("admin"), user=clerk, active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/me/").status_code in (401, 403)


def test_the_schema_documents_the_core_endpoints(client, demo):
    client.force_login(demo.user("admin"))
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = (
        response.json()["paths"]
        if response["Content-Type"].startswith("application/json")
        else None
    )
    if paths is None:
        paths = yaml.safe_load(response.content)["paths"]
    for p in (
        "/api/me/",
        "/api/regions/",
        "/api/assistance-types/",
        "/api/delegations/",
        "/api/delegations/holds-power/",
        "/api/delegations/{id}/status/",
        "/api/policies/effective/",
        "/api/workdays/add/",
    ):
        assert p in paths, p
