"""调标 worked example (当涂县农村低保, 补差 mode, rounding to the yuan):

standard 790 (from 2025-07-01) raised to 850 from 2026-07-01.
- 王 household: 2 members, counted income 300/month → per capita 150;
  old (790 − 150) × 2 = 1,280; new (850 − 150) × 2 = 1,400.
- 单 household: 1 member, no income → old 790, new 850.
- an urban household is not in the run; a suspended household is not re-computed.
Run: 2 households, old total 2,070, new total 2,250.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.models import IncomeItem, Member
from funds.recipients.adjustments import standard_adjustment_apply, standard_adjustment_preview
from funds.recipients.models import (
    ChangeKind,
    RecipientChange,
    RecipientStatus,
    StandardAdjustmentRun,
)
from funds.recipients.selectors import state_for_month
from funds.recipients.services import recipient_change
from funds.recipients.tests.support import registered
from funds.standards.models import LivingStandard
from relief.logverify import verify_model
from relief.models import AssistanceType
from relief.policy import policy_set

pytestmark = pytest.mark.django_db

JUNE, JULY, AUGUST = (datetime.date(2026, m, 1) for m in (6, 7, 8))


@pytest.fixture
def county_rural(demo):
    for area, amount in (("rural", "790"), ("urban", "860")):
        LivingStandard.objects.get_or_create(
            county=demo.county,
            area=area,
            effective_from=datetime.date(2025, 7, 1),
            defaults={"monthly_amount": Decimal(amount)},
        )
    wang = registered(demo, amount=Decimal("1280.00"), members=2)
    IncomeItem.objects.create(
        household=wang.household,
        member=wang.case.applicant,
        category=IncomeItem.Category.WAGE,
        monthly_amount=Decimal("300"),
    )
    single = registered(demo, amount=Decimal("790.00"), members=1)
    urban = registered(demo, amount=Decimal("860.00"), members=1, type_code="dibao_urban")
    paused = registered(demo, amount=Decimal("790.00"), members=1)
    recipient_change(
        recipient=paused,
        actor=demo.user("clerk"),
        effective_month=JUNE,
        reason="外出失联，暂停",
        kind=ChangeKind.STATUS,
        source_label="复核",
        status=RecipientStatus.SUSPENDED,
    )
    LivingStandard.objects.create(
        county=demo.county,
        area="rural",
        monthly_amount=Decimal("850"),
        effective_from=datetime.date(2026, 7, 1),
        document="当民〔2026〕7号",
    )
    return {"wang": wang, "single": single, "urban": urban, "paused": paused}


def _preview(demo, month=JULY):
    return standard_adjustment_preview(
        county=demo.county,
        assistance_type=AssistanceType.objects.get(code="dibao_rural"),
        area="rural",
        effective_month=month,
        actor=demo.user("supervisor"),
    )


def test_the_preview_lists_old_and_new_amounts_and_totals(demo, county_rural):
    run = _preview(demo, month=datetime.date(2026, 7, 15))
    assert run.effective_month == JULY
    assert (run.households, run.changed_households) == (2, 2)
    assert (run.old_total, run.new_total) == (Decimal("2070.00"), Decimal("2250.00"))
    lines = {li.recipient_id: li for li in run.lines.all()}
    wang = lines[county_rural["wang"].pk]
    assert (wang.old_amount, wang.new_amount) == (Decimal("1280.00"), Decimal("1400.00"))
    assert any("850.00元" in step for step in wang.steps)
    assert (lines[county_rural["single"].pk].new_amount) == Decimal("850.00")
    assert county_rural["urban"].pk not in lines and county_rural["paused"].pk not in lines
    assert "当民〔2026〕7号" in run.standard_label
    # Nothing changed on the register.
    assert not RecipientChange.objects.filter(kind=ChangeKind.STANDARD).exists()


def test_apply_writes_one_signed_standard_change_per_recipient_from_the_month(demo, county_rural):
    run = _preview(demo)
    supervisor = demo.user("supervisor")
    assert standard_adjustment_apply(run=run, actor=supervisor) == 2
    wang = county_rural["wang"]
    change = wang.changes.get(kind=ChangeKind.STANDARD)
    assert (change.effective_month, change.monthly_amount, change.previous_amount) == (
        JULY,
        Decimal("1400.00"),
        Decimal("1280.00"),
    )
    assert (change.actor, change.actor_role, change.source_label) == (
        supervisor,
        "county_supervisor",
        f"调标批次 {run.pk}",
    )
    assert state_for_month(recipient=wang, month=JUNE).monthly_amount == Decimal("1280.00")
    assert state_for_month(recipient=wang, month=JULY).monthly_amount == Decimal("1400.00")
    wang.refresh_from_db()
    assert wang.monthly_amount == Decimal("1400.00")
    run.refresh_from_db()
    assert run.status == StandardAdjustmentRun.Status.APPLIED
    with pytest.raises(ValidationError) as info:
        standard_adjustment_apply(run=run, actor=supervisor)
    assert "不能重复执行" in str(info.value)
    assert RecipientChange.objects.filter(kind=ChangeKind.STANDARD).count() == 2
    # the batch is sealed before its insert, each row chained to its recipient's last one
    registration = wang.changes.get(kind=ChangeKind.REGISTERED)
    assert change.prev_hash == registration.hash != "" and len(change.hash) == 64
    assert verify_model(RecipientChange).breaks == []


def test_a_run_is_stale_when_the_register_changed_after_the_preview(demo, county_rural):
    run = _preview(demo)
    recipient_change(
        recipient=county_rural["single"],
        actor=demo.user("clerk"),
        effective_month=JUNE,
        reason="收入变化",
        kind=ChangeKind.AMOUNT,
        source_label="复核",
        monthly_amount=Decimal("700.00"),
    )
    with pytest.raises(ValidationError) as info:
        standard_adjustment_apply(run=run, actor=demo.user("supervisor"))
    assert "预览后有 1 户的在册情况发生变更" in str(info.value)
    run.refresh_from_db()
    assert run.status == StandardAdjustmentRun.Status.STALE
    assert not RecipientChange.objects.filter(kind=ChangeKind.STANDARD).exists()


def test_a_recipient_starting_later_is_adjusted_from_its_first_month(demo, county_rural):
    late = registered(
        demo, amount=Decimal("790.00"), members=1, confirmed_on=datetime.date(2026, 7, 20)
    )
    run = _preview(demo)
    line = run.lines.get(recipient=late)
    assert line.effective_month == AUGUST
    standard_adjustment_apply(run=run, actor=demo.user("supervisor"))
    assert late.changes.get(kind=ChangeKind.STANDARD).effective_month == AUGUST


def test_only_the_countys_supervisor_runs_it_and_a_missing_standard_is_named(demo, county_rural):
    with pytest.raises(PermissionDenied):
        standard_adjustment_preview(
            county=demo.county,
            assistance_type=AssistanceType.objects.get(code="dibao_rural"),
            area="rural",
            effective_month=JULY,
            actor=demo.user("approver"),
        )
    with pytest.raises(ValidationError) as info:
        _preview(demo, month=datetime.date(2020, 1, 1))
    assert "没有2020年01月适用的农村低保标准" in str(info.value)


def test_the_pages_preview_and_apply(client, demo, county_rural):
    client.force_login(demo.user("supervisor"))
    assert client.get(reverse("recipients:adjustments")).status_code == 200
    response = client.post(
        reverse("recipients:adjustments"),
        {
            "assistance_type": AssistanceType.objects.get(code="dibao_rural").pk,
            "area": "rural",
            "effective_month": "2026-07-01",
        },
    )
    run = StandardAdjustmentRun.objects.get()
    assert response["Location"] == reverse("recipients:adjustment", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert "2070.00 元" in page and "2250.00 元" in page and 'data-testid="apply-form"' in page
    client.post(reverse("recipients:adjustment_apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == StandardAdjustmentRun.Status.APPLIED
    client.force_login(demo.user("clerk"))
    assert client.get(reverse("recipients:adjustments")).status_code == 403
    assert client.post(reverse("recipients:adjustment_apply", args=[run.pk])).status_code == 403


def test_a_category_add_on_in_force_is_part_of_the_new_amount_and_its_explanation(
    demo, county_rural
):
    policy_set(
        region=demo.county,
        key="addon_elderly",
        raw_value="10",
        effective_from=datetime.date(2026, 7, 1),
        actor=demo.user("admin"),
    )
    single = county_rural["single"]
    Member.objects.filter(pk=single.case.applicant_id).update(birth_date=datetime.date(1950, 1, 1))
    run = _preview(demo)
    line = run.lines.get(recipient=single)
    # 850 + 10 % of 850 for a member aged 76 = 935
    assert line.new_amount == Decimal("935.00")
    assert any("分类施保：" in step and "850.00元×10%=85.00元" in step for step in line.steps)


def test_the_api_previews_and_applies(client, demo, county_rural):
    client.force_login(demo.user("supervisor"))
    made = client.post(
        "/api/standard-adjustments/",
        {
            "assistance_type": AssistanceType.objects.get(code="dibao_rural").pk,
            "area": "rural",
            "effective_month": "2026-07-01",
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["households"], body["old_total"], body["new_total"]) == (2, "2070.00", "2250.00")
    lines = client.get(f"/api/standard-adjustments/{body['id']}/lines/").json()["results"]
    assert {li["new_amount"] for li in lines} == {"1400.00", "850.00"}
    applied = client.post(f"/api/standard-adjustments/{body['id']}/apply/")
    assert applied.json()["status"] == "applied"
    again = client.post(f"/api/standard-adjustments/{body['id']}/apply/")
    assert again.status_code == 400
