"""Malformed input answers 400 with the field that caused it, in the one error shape, and
changes nothing: non-object JSON bodies, NUL bytes in path, query, form and JSON, identifiers
that are not numbers, a complaint without its ``named`` flag."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases.models import Case, NearRelative
from cases.workflow.tests.helpers import make_case
from review.models import Complaint


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_error_shape(response, status: int, field: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"detail", "code", "errors"} and body["detail"]
    assert field in body["errors"], body
    return body


@pytest.mark.parametrize("raw", ["[]", "null", "false", "[1, 2]", '"text"', "3"])
def test_a_json_body_that_is_not_an_object_answers_400(demo, raw):
    case = make_case(demo.gushu)
    client = api(demo.user("clerk"))
    for url in (
        "/api/intake/applications/",
        f"/api/intake/cases/{case.pk}/members/",
        f"/api/intake/cases/{case.pk}/checklist/",
        f"/api/intake/cases/{case.pk}/items/income/",
        "/api/intake/near-relatives/",
    ):
        response = client.post(url, raw, content_type="application/json")
        body = assert_error_shape(response, 400, "non_field_errors")
        assert body["code"] == "invalid"
    survey = client.put(
        f"/api/intake/cases/{case.pk}/survey/", raw, content_type="application/json"
    )
    assert_error_shape(survey, 400, "non_field_errors")
    assert Case.objects.count() == 1 and NearRelative.objects.count() == 0


def test_a_nul_byte_in_query_path_form_or_json_answers_400_at_its_field(demo, client):
    supervisor = api(demo.user("supervisor"))
    for url in (
        "/api/delegations/?township=3405%00",
        "/api/delegations/holds-power/?township=%00&type=dibao_rural",
        "/api/policies/effective/?township=340521100000%00",
        "/api/regions/?code=%00",
    ):
        assert_error_shape(supervisor.get(url), 400, url.split("?")[1].split("=")[0])
    assert_error_shape(supervisor.get("/api/regions/%00/"), 400, "path")
    body = {"relative_name": "王\x00五", "relation": "兄弟"}
    clerk = api(demo.user("clerk"))
    nested = clerk.post("/api/intake/near-relatives/", body, format="json")
    assert_error_shape(nested, 400, "relative_name")
    client.force_login(demo.user("clerk"))
    page = client.post("/cases/near-relatives/", {"worker_name": "张\x00三"})
    assert page.status_code == 400 and "worker_name" in page.content.decode()
    assert NearRelative.objects.count() == 0


@pytest.mark.parametrize("value", ["abc", ["1", "2"], 10**30, True])
def test_identifiers_that_are_not_numbers_answer_their_field(demo, value):
    client = api(demo.user("clerk"))
    body = {
        "township": value,
        "village": value,
        "worker_name": "张三",
        "worker_position": "civil_affairs",
        "relative_name": "王五",
        "relative_id_number": "130402198207290622",
        "relation": "兄弟",
    }
    response = client.post("/api/intake/near-relatives/", body, format="json")
    assert_error_shape(response, 400, "village")
    application = client.post(
        "/api/intake/applications/",
        {"village": value, "assistance_type": "dibao_rural"},
        format="json",
    )
    assert application.status_code == 400
    assert NearRelative.objects.count() == 0 and Case.objects.count() == 0


def test_a_number_larger_than_any_key_answers_404_or_nothing_never_500(demo, client):
    """A 40-digit id in a path (the database cannot hold it) is 404 before any view runs; a
    roster list filter that large finds nothing."""
    big = "9" * 40
    supervisor = api(demo.user("supervisor"))
    for url in (f"/api/temporary/emergencies/{big}/", f"/api/recipients/{big}/"):
        response = supervisor.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    client.force_login(demo.user("clerk"))
    assert client.get(f"/cases/emergencies/{big}/").status_code == 404
    assert client.post(f"/cases/emergencies/{big}/grant/").status_code == 404
    assert client.get(f"/cases/{'9' * 19}/").status_code == 404  # 19 digits, still too large
    for key in ("township", "year"):
        listed = supervisor.get("/api/rosters/", {key: big})
        assert listed.status_code == 200 and listed.json()["count"] == 0


@pytest.mark.parametrize("value", ["9" * 40, "²", "１２", "abc"])
def test_list_filters_by_key_refuse_or_find_nothing_never_500(demo, value):
    """A key filter that no key can match (too large, a superscript or full-width digit,
    letters) is a field error or an empty list, never the database's error."""
    supervisor = api(demo.user("supervisor"))
    filings = supervisor.get("/api/review/filings/", {"township": value})
    assert filings.status_code == 200 and filings.json()["results"] == []
    clerk = api(demo.user("clerk"))
    for url, key in (
        ("/api/dynamic/dishonesty/", "recipient"),
        ("/api/dynamic/posting-objections/", "review"),
    ):
        response = clerk.get(url, {key: value})
        assert response.status_code == 400, (url, response.status_code)
        assert key in response.json()["errors"], response.json()


def test_filings_date_filters_refuse_what_is_not_a_day(demo):
    supervisor = api(demo.user("supervisor"))
    for value in ("abc", "2026-02-30", "2026-13-01"):
        response = supervisor.get("/api/review/filings/", {"date_from": value})
        assert response.status_code == 400 and "date_from" in response.json()["errors"]
    assert supervisor.get("/api/review/filings/", {"date_to": "2026-07-01"}).status_code == 200


def test_a_complaint_without_the_named_flag_is_an_anonymous_report(demo):
    client = api(demo.user("supervisor"))
    response = client.post(
        "/api/review/complaints/",
        {"channel": "hotline_12349", "content": "有人冒领", "township": demo.gushu.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Complaint.objects.get().named is False


def test_service_errors_share_one_shape(demo):
    case = make_case(demo.gushu)
    other = make_case(demo.wuxi)
    client = api(demo.user("clerk"))
    missing = client.get(f"/api/cases/{other.pk}/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found" and missing.json()["errors"] == {}
    changed = client.post(
        f"/api/cases/{case.pk}/transitions/accept/",
        {"opinion": "同意", "expected_state": "accepted"},
        format="json",
    )
    assert changed.status_code == 409
    assert changed.json()["code"] == "conflict" and changed.json()["state"] == case.state
    refused = api(demo.user("supervisor")).get("/api/intake/checks/")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_over_long_household_values_are_refused_at_the_field_never_cut(demo):
    client = api(demo.user("clerk"))
    body = {
        "village": demo.village.pk,
        "assistance_type": "dibao_rural",
        "household": {"address": "城东社区" * 60, "hukou_type": "rural", "phone": "1" * 21},
        "members": [
            {
                "name": "王德福",
                "id_number": "130402198207290621",
                "relation": "self",
                "hukou_type": "rural",
            }
        ],
    }
    response = client.post("/api/intake/applications/", body, format="json")
    errors = assert_error_shape(response, 400, "address")["errors"]
    assert "不能超过200个字" in errors["address"][0] and "不能超过20个字" in errors["phone"][0]
    assert Case.objects.count() == 0
