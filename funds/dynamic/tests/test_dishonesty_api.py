"""The 失信记录 API (/api/dynamic/dishonesty/): the page's service behind it (same checks,
Chinese errors by field, nothing half-saved, the recovery handed to the roster), scoped by
the recipient's region (another township: 404), ID numbers masked."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from funds.dynamic.models import DishonestyRecord
from funds.dynamic.services import add_months
from funds.recipients.tests.support import registered
from funds.rosters.models import RecoveryOrder

pytestmark = pytest.mark.django_db

URL = "/api/dynamic/dishonesty/"


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _last_month_day() -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), -1)


def _last_month() -> str:
    """The month as the page's form takes it: YYYY-MM."""
    return f"{_last_month_day():%Y-%m}"


def _payload(recipient, **changes) -> dict:
    return {
        "recipient": recipient.pk,
        "source": "spot_check",
        "reference": "2026年度入户抽查 第3户",
        "what": "隐瞒经营收入",
        "found_on": timezone.localdate().isoformat(),
        "recovery_amount": "300.00",
        "recovery_from": _last_month(),
        "recovery_to": _last_month(),
        **changes,
    }


def test_the_approver_records_a_finding_and_the_recovery_goes_to_the_roster(demo):
    recipient = registered(demo)
    response = _api(demo.user("approver")).post(URL, _payload(recipient), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    record = DishonestyRecord.objects.get()
    assert body["id"] == record.pk and body["what"] == "隐瞒经营收入"
    assert record.recovery_order.amount == Decimal("300.00")
    assert body["recovery_order"] == record.recovery_order.pk
    for person in body["people"]:  # ID numbers are masked
        assert "*" in person["id_number"]


def test_bad_input_is_refused_at_the_field_in_chinese_and_nothing_is_saved(demo):
    recipient = registered(demo)
    api = _api(demo.user("approver"))
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = api.post(
        URL, _payload(recipient, found_on=tomorrow, recovery_amount="99999"), format="json"
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "认定日期不能晚于今天" in text and "追缴金额不能超过" in text
    empty = api.post(URL, {"recipient": recipient.pk, "source": "x", "what": ""}, format="json")
    assert empty.status_code == 400
    assert "请选择发现途径" in empty.content.decode()
    for junk in ([], None, "abc"):
        assert api.post(URL, junk, format="json").status_code == 400
    assert not DishonestyRecord.objects.exists() and not RecoveryOrder.objects.exists()


def test_scoped_by_region_and_role(demo):
    recipient = registered(demo)
    created = _api(demo.user("approver")).post(URL, _payload(recipient), format="json")
    pk = created.json()["id"]
    # another township: absent from the list, 404 on the record and on a create for it
    other = _api(demo.user("clerk_huangchi"))
    assert other.get(f"{URL}{pk}/").status_code == 404
    listed = other.get(URL)
    assert listed.status_code in (200, 403)
    if listed.status_code == 200:
        assert pk not in [row["id"] for row in listed.json()["results"]]
    # the township's clerk sees it, but may not record one
    clerk = _api(demo.user("clerk"))
    assert pk in [row["id"] for row in clerk.get(URL).json()["results"]]
    assert clerk.get(f"{URL}{pk}/").status_code == 200
    assert clerk.post(URL, _payload(recipient), format="json").status_code == 403
    # the county sees every township's records
    county = _api(demo.user("supervisor"))
    assert pk in [row["id"] for row in county.get(URL).json()["results"]]
    assert pk in [row["id"] for row in county.get(URL, {"live": "1"}).json()["results"]]
    assert county.get(URL, {"recipient": "abc"}).status_code == 400
    assert DishonestyRecord.objects.count() == 1


def test_the_recovery_months_are_months_and_the_first_of_the_month_still_works(demo):
    recipient = registered(demo)
    api = _api(demo.user("approver"))
    month = _last_month_day()
    made = api.post(URL, _payload(recipient), format="json")  # YYYY-MM, as the page
    assert made.status_code == 201, made.content
    order = RecoveryOrder.objects.get()
    assert order.months == f"{month:%Y年%m月}"
    compatible = api.post(  # the month's 1st as a date, as the API took before
        URL,
        _payload(recipient, recovery_from=month.isoformat(), recovery_to=month.isoformat()),
        format="json",
    )
    assert compatible.status_code == 201, compatible.content
    assert RecoveryOrder.objects.count() == 2
    assert all(o.months == f"{month:%Y年%m月}" for o in RecoveryOrder.objects.all())


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{day:%Y-%m}-15", "填写日期的须为当月1日"),
        ("2026-13", "请填写有效月份（如 2026-07）"),
        ("七月", "请填写有效月份（如 2026-07）"),
        (202607, "请填写有效月份（如 2026-07）"),
    ],
)
def test_another_day_or_a_bad_month_is_refused_at_the_field_and_nothing_is_saved(
    demo, raw, message
):
    recipient = registered(demo)
    value = raw.format(day=_last_month_day()) if isinstance(raw, str) else raw
    response = _api(demo.user("approver")).post(
        URL, _payload(recipient, recovery_from=value), format="json"
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(message in error for error in errors["recovery_from"]), errors
    assert "recovery_to" not in errors
    assert not DishonestyRecord.objects.exists() and not RecoveryOrder.objects.exists()


def test_the_schema_shows_the_month_format(client, demo):
    client.force_login(demo.user("admin"))
    schema = client.get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["DishonestyInput"]["properties"]
    for name in ("recovery_from", "recovery_to"):
        assert fields[name]["type"] == "string"
        assert fields[name]["pattern"] == r"^\d{4}-\d{2}(-01)?$"
        assert fields[name]["example"] == "2026-07"
        assert "YYYY-MM" in fields[name]["description"]
        assert fields[name].get("nullable") is True
