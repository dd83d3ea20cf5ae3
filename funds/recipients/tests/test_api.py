from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funds.recipients.models import Bank
from funds.recipients.services import bank_account_set
from funds.recipients.tests.support import luhn_complete, registered
from relief.models import DataReveal

pytestmark = pytest.mark.django_db

CARD = luhn_complete("621700123456789")


def test_the_list_api_is_scoped_filtered_and_totalled(client, demo):
    registered(demo, amount=Decimal("580.00"), members=2)
    registered(demo, amount=Decimal("412.50"), members=1)
    registered(demo, village=demo.wuxi_village)
    client.force_login(demo.user("clerk"))
    body = client.get("/api/recipients/").json()
    assert body["count"] == 2
    assert {r["monthly_amount"] for r in body["results"]} == {"580.00", "412.50"}
    assert client.get("/api/recipients/", {"amount_max": "500"}).json()["count"] == 1
    totals = client.get("/api/recipients/totals/").json()
    assert totals["households"] == 2 and totals["persons"] == 3
    assert totals["monthly_total"] == "992.50"
    assert {"status": "active", "count": 2} in totals["by_status"]


def test_the_detail_api_lists_the_signed_history_and_masks_the_account(client, demo):
    recipient = registered(demo)
    bank_account_set(
        household=recipient.household,
        actor=demo.user("clerk"),
        holder_name=recipient.head_name,
        holder_member=recipient.case.applicant,
        bank=Bank.ABC,
        account_number=CARD,
    )
    client.force_login(demo.user("supervisor"))
    body = client.get(f"/api/recipients/{recipient.pk}/").json()
    assert body["first_month"] == "2026-04-01"
    assert body["bank_account"]["account_masked"] == f"6217 **** **** {CARD[-4:]}"
    assert CARD not in str(body)
    assert recipient.head_id_number not in str(body)
    assert (
        body["head_id_number"]
        == recipient.head_id_number[:4] + "*" * 10 + recipient.head_id_number[-4:]
    )
    listed = client.get("/api/recipients/").json()["results"]
    assert recipient.head_id_number not in str(listed)
    assert [c["kind"] for c in body["changes"]] == ["account", "registered"]
    assert body["changes"][1]["actor_role"] == "township_clerk"
    changes = client.get(f"/api/recipients/{recipient.pk}/changes/").json()
    assert len(changes) == 2


def test_another_township_gets_404_from_every_endpoint(client, demo):
    recipient = registered(demo)
    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(f"/api/recipients/{recipient.pk}/").status_code == 404
    assert client.get(f"/api/recipients/{recipient.pk}/changes/").status_code == 404
    assert (
        client.post(f"/api/recipients/{recipient.pk}/account/reveal/", {"purpose": "x"}).status_code
        == 404
    )


def test_account_set_and_reveal_through_the_api(client, demo):
    recipient = registered(demo)
    client.force_login(demo.user("clerk"))
    url = f"/api/recipients/{recipient.pk}/account/"
    bad = client.post(
        url,
        {"holder_member": recipient.case.applicant.pk, "bank": "abc", "account_number": "12ab"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"]["account_number"] == ["账号只能包含数字"]
    made = client.post(
        url,
        {"holder_member": recipient.case.applicant.pk, "bank": "abc", "account_number": CARD},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["account_masked"].endswith(CARD[-4:])
    revealed = client.post(
        f"{url}reveal/", {"purpose": "导出花名册前核对"}, content_type="application/json"
    )
    assert revealed.json()["account_number"] == CARD
    assert DataReveal.objects.get(kind=DataReveal.Kind.BANK_ACCOUNT).purpose == "导出花名册前核对"
    client.force_login(demo.user("assistant"))
    assert (
        client.post(
            f"{url}reveal/", {"purpose": "看看"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_the_schema_documents_the_register_endpoints(client, demo):
    client.force_login(demo.user("admin"))
    schema = client.get("/api/schema/").content.decode()
    assert "/api/recipients/{id}/account/reveal/" in schema
    assert "/api/recipients/totals/" in schema


def test_the_list_api_query_count_does_not_grow_with_the_rows(client, demo):
    client.force_login(demo.user("clerk"))
    registered(demo)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/recipients/")
    for _ in range(4):
        registered(demo)
    with CaptureQueriesContext(connection) as five:
        assert client.get("/api/recipients/").json()["count"] == 5
    assert len(five) == len(one)
