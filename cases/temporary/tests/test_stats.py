"""临时救助 statistics per township: number and amount by tier, cause and month, median hours
to help; the county sees every township, a township its own; page, API and XLSX."""

from __future__ import annotations

import datetime
import io
import zoneinfo
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Emergency, EmergencyGrant
from cases.temporary.stats import temporary_statistics
from cases.temporary.tests.test_emergency import grant, register
from cases.workflow.tests.helpers import fast_passwords, make_case  # noqa: F401
from relief.models import Region

BJ = zoneinfo.ZoneInfo("Asia/Shanghai")
YEAR = datetime.date.today().year


def _setup(demo):
    a = register(demo, user="clerk", cause="火灾")
    grant(demo, a, "assistant", body="village", amount="800")
    grant(demo, a, "clerk", body="township", amount="1500")
    b = register(demo, user="clerk", cause="交通事故", person_name="李四")
    grant(demo, b, "clerk", body="township", amount="600")
    # The first help hours: a after 2 h, b after 6 h (median 4).
    now = datetime.datetime.now(BJ).replace(microsecond=0)
    for case, hours in ((a, 2), (b, 6)):
        Emergency.objects.filter(case=case).update(
            registered_at=now - datetime.timedelta(hours=hours), helped_at=now
        )
    expense = make_case(demo.gushu, "temp_expense", monthly_amount=Decimal("2500"))
    expense.decided_on = datetime.date(YEAR, 1, 15)
    expense.save(update_fields=["decided_on"])
    return a, b, expense


def test_number_amount_by_tier_cause_month_and_median_hours(demo):
    _setup(demo)
    rows = temporary_statistics(townships=Region.objects.filter(pk=demo.gushu.pk), year=YEAR)
    (row,) = rows
    assert row["total"] == {"count": 4, "amount": Decimal("5400")}
    tiers = {t["tier"]: (t["count"], t["amount"]) for t in row["by_tier"]}
    assert tiers == {
        "village": (1, Decimal("800")),
        "township": (2, Decimal("2100")),
        "county": (1, Decimal("2500")),  # 支出型 2500 is above the township's 2000
    }
    causes = {c["cause"]: c["count"] for c in row["by_cause"]}
    assert causes == {"火灾": 2, "交通事故": 1, "支出型": 1}
    months = {m["month"]: m["count"] for m in row["by_month"]}
    assert months[1] >= 1 and sum(months.values()) == 4
    assert row["helped"] == 2 and row["median_help_hours"] == 4.0


def test_the_county_sees_every_township_a_township_its_own(client, demo):
    _setup(demo)
    client.force_login(demo.user("supervisor"))
    page = client.get(reverse("cases:temporary_stats")).content.decode()
    assert demo.gushu.name in page and demo.wuxi.name in page
    client.force_login(demo.user("clerk_wuxi"))
    page = client.get(reverse("cases:temporary_stats")).content.decode()
    assert demo.wuxi.name in page and demo.gushu.name not in page
    api = client.get("/api/temporary/stats/").json()
    assert [r["township"] for r in api] == [demo.wuxi.name]
    assert api[0]["total"]["count"] == 0
    client.force_login(demo.user("assistant"))
    assert client.get(reverse("cases:temporary_stats")).status_code == 403
    assert client.get("/api/temporary/stats/").status_code == 403


def test_the_api_and_the_xlsx_export(client, demo):
    _setup(demo)
    client.force_login(demo.user("clerk"))
    (row,) = client.get(f"/api/temporary/stats/?year={YEAR}").json()
    assert row["total"]["count"] == 4 and row["median_help_hours"] == 4.0
    response = client.get(reverse("cases:temporary_stats") + f"?year={YEAR}&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[1][0] == demo.gushu.name and summary[1][1] == 4
    detail = list(book["明细"].iter_rows(values_only=True))
    assert ("审批层级" in {r[1] for r in detail}) and any(r[2] == "火灾" for r in detail)
    assert EmergencyGrant.objects.count() == 3


def test_a_case_with_a_shared_policy_snapshot_is_tiered_by_it(demo):
    """A case opened in bulk holds no copy of its policy but points to a shared one
    (relief.PolicySnapshot); the statistics tier it by that policy, as Case.policy does."""
    from cases.models import Case
    from relief.models import PolicySnapshot
    from relief.policy import policy_for

    _, _, expense = _setup(demo)
    frozen = policy_for(demo.gushu, expense.decided_on).as_snapshot()
    frozen["temp_cap_township"] = 3000  # 2500 is within this township cap
    (shared,) = PolicySnapshot.of_many([frozen])
    Case.objects.filter(pk=expense.pk).update(policy_snapshot={}, policy_shared=shared)
    expense.refresh_from_db()
    assert Decimal(expense.policy.temp_cap_township) == Decimal("3000")
    (row,) = temporary_statistics(townships=Region.objects.filter(pk=demo.gushu.pk), year=YEAR)
    tiers = {t["tier"]: (t["count"], t["amount"]) for t in row["by_tier"]}
    assert tiers["township"] == (3, Decimal("4600")) and "county" not in tiers
