"""The emergency API: the same services and scoping as the pages, errors in the one shape."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient

from cases.models import EmergencyGrant
from cases.temporary.tests.test_emergency import register
from cases.workflow.tests.helpers import fast_passwords  # noqa: F401
from tests.factories import make_id_number

URL = "/api/temporary/emergencies/"


@pytest.fixture
def api(demo):
    def as_user(username):
        client = APIClient()
        client.force_authenticate(demo.user(username))
        return client

    return as_user


def test_register_without_identity_then_grant_and_identify(api, demo):
    client = api("assistant")
    response = client.post(
        URL,
        {
            "village": demo.village.pk,
            "person_name": "无名老人",
            "identity_pending": True,
            "identity_note": "约70岁女性，在车站发现",
            "cause": "突发重大疾病",
            "needs": "送医和生活照料",
            "address": "城东社区车站",
            "hukou_type": "rural",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["identity_pending"] and body["clock"]["step_kind"] == "emergency_help"
    assert [s["step"] for s in body["skipped"]] == ["经济状况核对", "民主评议", "公示"]
    pk = body["id"]
    grant = api("clerk").post(
        f"{URL}{pk}/grants/",
        {"body": "township", "kind": "cash", "description": "医疗垫付", "amount": "1500"},
        format="json",
    )
    assert grant.status_code == 201 and grant.json()["to_bank"]
    ident = client.post(
        f"{URL}{pk}/identify/",
        {"id_number": make_id_number(birth=datetime.date(1955, 3, 3), male=False)},
        format="json",
    )
    assert ident.status_code == 200 and not ident.json()["identity_pending"]
    assert ident.json()["clock"]["step_kind"] == "emergency_file"


@pytest.mark.parametrize("raw", ["-1", "abc", "0"])
def test_bad_amounts_refused_at_the_field(api, demo, raw):
    case = register(demo)
    response = api("clerk").post(
        f"{URL}{case.pk}/grants/",
        {"body": "township", "kind": "cash", "description": "x", "amount": raw},
        format="json",
    )
    assert response.status_code == 400
    assert "amount" in response.json()["errors"]
    assert not EmergencyGrant.objects.exists()


def test_over_the_tier_names_the_body(api, demo):
    case = register(demo)
    response = api("assistant").post(
        f"{URL}{case.pk}/grants/",
        {"body": "village", "kind": "cash", "description": "x", "amount": "1000.01"},
        format="json",
    )
    assert response.status_code == 400
    assert "须由乡镇(街道)决定" in response.json()["errors"]["amount"][0]


def test_another_township_gets_404(api, demo):
    case = register(demo)
    client = api("clerk_wuxi")
    assert client.get(f"{URL}{case.pk}/").status_code == 404
    response = client.post(
        f"{URL}{case.pk}/grants/",
        {"body": "township", "kind": "cash", "description": "x", "amount": "10"},
        format="json",
    )
    assert response.status_code == 404
    assert client.get(URL).json() == []
    assert api("clerk").get(URL).json()[0]["id"] == case.pk
