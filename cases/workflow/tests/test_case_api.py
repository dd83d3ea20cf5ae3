"""The workflow API: same scoping, filters, service and messages as the pages."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, CaseState
from cases.workflow.tests.helpers import fast_passwords, go, make_case  # noqa: F401


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_is_scoped_and_filterable(demo):
    mine = make_case(demo.gushu, force_state=CaseState.REVIEW)
    draft = make_case(demo.gushu)
    other = make_case(demo.wuxi)
    response = api(demo.user("clerk")).get("/api/cases/")
    numbers = {row["number"] for row in response.json()["results"]}
    assert numbers == {mine.number, draft.number}
    assert other.number not in numbers
    response = api(demo.user("clerk")).get("/api/cases/", {"state": "review"})
    assert [row["number"] for row in response.json()["results"]] == [mine.number]
    row = response.json()["results"][0]
    assert row["state_label"] == "待审核确认" and row["township_name"] == "姑孰镇"


def _list_queries(user):
    client = api(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/cases/")
    assert response.status_code == 200
    return len(response.json()["results"]), len(ctx.captured_queries)


def test_list_query_count_is_the_same_for_10_and_50_rows(demo):
    for i in range(10):
        make_case(demo.gushu if i % 2 else demo.wuxi)
    rows_10, queries_10 = _list_queries(demo.user("supervisor"))
    for i in range(40):
        make_case(demo.gushu if i % 2 else demo.wuxi)
    rows_50, queries_50 = _list_queries(demo.user("supervisor"))
    assert (rows_10, rows_50) == (10, 50)
    assert queries_10 == queries_50


def test_detail_includes_the_signed_log_and_is_404_outside_the_region(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk", opinion="予以受理")
    data = api(demo.user("approver")).get(f"/api/cases/{case.pk}/").json()
    assert data["state"] == "accepted"
    assert [(e["label"], e["actor_name"], e["opinion"]) for e in data["events"]] == [
        ("受理", "陈晓燕", "予以受理")
    ]
    assert api(demo.user("clerk_wuxi")).get(f"/api/cases/{case.pk}/").status_code == 404
    assert api(demo.user("clerk_wuxi")).get(f"/api/cases/{case.pk}/transitions/").status_code == 404


def test_detail_gives_the_policy_as_the_registry_knows_it(demo):
    """The snapshot served is the policy the case is handled under: a key removed from the
    registry since is left out, a key added since has its default, stored values stay."""
    import datetime

    from relief.policy import KEY_BY_NAME, policy_for

    case = make_case(demo.gushu)
    client = api(demo.user("clerk"))
    assert client.get(f"/api/cases/{case.pk}/").json()["policy_snapshot"] == {}  # not accepted
    stored = policy_for(demo.gushu, datetime.date(2026, 6, 1)).as_snapshot()
    added = next(iter(KEY_BY_NAME))
    stored.pop(added, None)
    stored["phase_out_months"] = 3  # a key the registry no longer has
    Case.objects.filter(pk=case.pk).update(policy_snapshot=stored)
    body = client.get(f"/api/cases/{case.pk}/").json()["policy_snapshot"]
    assert "phase_out_months" not in body
    assert body[added] == KEY_BY_NAME[added].to_json(KEY_BY_NAME[added].default)
    kept = next(k for k in stored if k in KEY_BY_NAME and k != added)
    assert body[kept] == stored[kept]


def test_transitions_list_reasons_for_the_unavailable_ones(demo):
    case = make_case(demo.gushu, force_state=CaseState.CHECKING)
    options = {
        o["name"]: o
        for o in api(demo.user("verifier")).get(f"/api/cases/{case.pk}/transitions/").json()
    }
    assert options["finish_check"]["allowed"] is False
    assert options["finish_check"]["reasons"] == ["核对报告尚未返回"]
    assert options["refuse"]["reasons"] == ["此操作须由乡镇审核确认人办理"]
    assert options["finish_check"]["target_label"] == "入户调查"


def test_post_transition_returns_the_new_state(demo):
    case = make_case(demo.gushu)
    response = api(demo.user("clerk")).post(
        f"/api/cases/{case.pk}/transitions/accept/",
        {"opinion": "予以受理"},
        format="json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 200
    assert response.json()["state"] == "accepted" and response.json()["state_label"] == "已受理"
    assert CaseEvent.objects.get(case=case).client_address == "10.9.8.7"


def test_post_refused_transition_returns_400_with_reasons(demo):
    case = make_case(demo.gushu, force_state=CaseState.REVIEW)
    response = api(demo.user("approver")).post(
        f"/api/cases/{case.pk}/transitions/confirm/", {}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]["non_field_errors"]) == {"救助金额尚未核定", "请填写意见"}
    assert body["code"] == "invalid" and "请填写意见" in body["detail"]
    assert Case.objects.get(pk=case.pk).state == CaseState.REVIEW


def test_post_on_a_case_that_moved_returns_409_with_the_new_state(demo):
    case = make_case(demo.gushu, force_state=CaseState.ACCEPTED)
    go(case, "start_investigation", "clerk")
    response = api(demo.user("clerk")).post(
        f"/api/cases/{case.pk}/transitions/withdraw/",
        {"opinion": "撤回", "expected_state": "accepted"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["state"] == "checking"


def test_the_log_has_no_write_endpoint(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    client = api(demo.user("admin"))
    assert client.delete(f"/api/cases/{case.pk}/").status_code == 405
    assert (
        client.patch(f"/api/cases/{case.pk}/", {"state": "paying"}, format="json").status_code
        == 405
    )


def test_openapi_schema_documents_the_workflow_endpoints(demo):
    response = api(demo.user("admin")).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/cases/{id}/transitions/" in paths
    assert "409" in paths["/api/cases/{id}/transitions/{name}/"]["post"]["responses"]
