"""支出型临时救助 amount ([G]): the county's rule in force on the day (a multiple of the
monthly 低保 standard by severity, or (expenditure − other aid) × ratio), stored with its
explanation like 低保's, from the case page and the API; bad input at the field, nothing saved."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import AmountComputation
from cases.temporary import services
from cases.workflow.tests.helpers import fast_passwords, make_case  # noqa: F401
from funds.standards.models import LivingStandard
from relief.models import PolicySetting

D = datetime.date
ON = D(2026, 6, 1)


@pytest.fixture
def standard(demo):
    for area in ("urban", "rural"):
        LivingStandard.objects.create(
            county=demo.county, area=area, monthly_amount=Decimal("815"), effective_from=ON
        )


def _sets(demo, key, value, since=None):
    PolicySetting.objects.create(
        region=demo.county, key=key, value=value, effective_from=since or D(2020, 1, 1)
    )


def _case(demo):
    return make_case(demo.gushu, "temp_expense")


def test_a_multiple_of_the_monthly_standard_by_severity(demo, standard):
    case = _case(demo)
    comp = services.temporary_amount_compute(
        case=case, actor=demo.user("clerk"), severity="serious", on=ON
    )
    assert comp.monthly_amount == Decimal("1630")  # 815 × 2 (较重困难)
    assert comp.steps[0] == "计算方式：按低保标准倍数（较重困难）"
    assert any("× 2倍" in s for s in comp.steps)
    assert any(s.startswith("低保标准：") for s in comp.steps)
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("1630")
    assert case.events.filter(transition="temporary_amount").exists()


def test_expenditure_minus_other_aid_times_the_ratio_with_rounding(demo):
    _sets(demo, "temp_amount_rule", "expenditure_ratio")
    case = _case(demo)
    comp = services.temporary_amount_compute(
        case=case, actor=demo.user("clerk"), expenditure="12345.67", other_aid="4000", on=ON
    )
    # (12345.67 − 4000) × 0.3 = 2503.701 → 2504 (yuan, half up)
    assert comp.monthly_amount == Decimal("2504")
    assert "取整后" in comp.steps[2]


def test_the_rule_in_force_on_the_day_applies(demo, standard):
    _sets(demo, "temp_multiple_serious", "2.5", since=D(2026, 7, 1))
    case = _case(demo)
    before = services.temporary_amount_compute(
        case=case, actor=demo.user("clerk"), severity="serious", on=ON
    )
    after = services.temporary_amount_compute(
        case=case, actor=demo.user("clerk"), severity="serious", on=D(2026, 7, 1)
    )
    assert (before.monthly_amount, after.monthly_amount) == (Decimal("1630"), Decimal("2038"))


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"expenditure": "abc"}, "expenditure", "金额须为数字（元）"),
        ({"expenditure": "-5"}, "expenditure", "金额不能为负数"),
        ({"expenditure": ""}, "expenditure", "请填写合规自付支出金额"),
        ({"expenditure": "100", "other_aid": "x"}, "other_aid", "金额须为数字（元）"),
        ({"expenditure": "100", "other_aid": "500"}, "expenditure", "扣除其他救助后"),
    ],
)
def test_bad_input_is_refused_at_the_field_and_nothing_saved(demo, kwargs, field, message):
    _sets(demo, "temp_amount_rule", "expenditure_ratio")
    case = _case(demo)
    with pytest.raises(ValidationError) as exc:
        services.temporary_amount_compute(case=case, actor=demo.user("clerk"), on=ON, **kwargs)
    assert message in exc.value.message_dict[field][0]
    case.refresh_from_db()
    assert case.monthly_amount is None
    assert not AmountComputation.objects.filter(case=case).exists()


def test_a_missing_severity_or_standard_is_refused(demo, standard):
    case = _case(demo)
    with pytest.raises(ValidationError) as exc:
        services.temporary_amount_compute(case=case, actor=demo.user("clerk"), on=ON)
    assert exc.value.message_dict["severity"] == ["请选择困难程度"]
    LivingStandard.objects.all().delete()
    with pytest.raises(ValidationError) as exc:
        services.temporary_amount_compute(
            case=case, actor=demo.user("clerk"), severity="general", on=ON
        )
    assert "低保标准" in exc.value.message_dict["severity"][0]


def test_an_emergency_or_another_type_is_not_computed_here(demo):
    for code in ("temp_emergency", "dibao_rural"):
        with pytest.raises(ValidationError):
            services.temporary_amount_compute(
                case=make_case(demo.gushu, code), actor=demo.user("clerk"), severity="general"
            )


def test_the_village_assistant_may_not(demo):
    with pytest.raises(ValidationError):
        services.temporary_amount_compute(
            case=_case(demo), actor=demo.user("assistant"), severity="general"
        )


def test_the_page_computes_and_the_case_page_explains(client, demo, standard):
    case = _case(demo)
    client.force_login(demo.user("clerk"))
    detail = client.get(reverse("cases:detail", args=[case.pk]))
    assert 'data-testid="temporary-amount-link"' in detail.content.decode()
    url = reverse("cases:temporary_amount", args=[case.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"severity": ""})
    assert bad.status_code == 400 and "请选择困难程度" in bad.content.decode()
    assert not AmountComputation.objects.filter(case=case).exists()
    ok = client.post(url, {"severity": "severe", "note": "住院自付费用较高"})
    assert ok.status_code == 302
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "计算过程" in page and "严重困难" in page and "临时救助金额" in page


def test_another_township_answers_404(client, demo):
    case = _case(demo)
    client.force_login(demo.user("clerk_wuxi"))
    url = reverse("cases:temporary_amount", args=[case.pk])
    assert client.get(url).status_code == 404
    api = client.post(f"/api/temporary/cases/{case.pk}/amount/", {"severity": "general"})
    assert api.status_code == 404


def test_the_api_uses_the_same_service(client, demo, standard):
    case = _case(demo)
    client.force_login(demo.user("clerk"))
    url = f"/api/temporary/cases/{case.pk}/amount/"
    bad = client.post(url, {"severity": "bogus"}, content_type="application/json")
    assert bad.status_code == 400 and "请选择困难程度" in bad.content.decode()
    ok = client.post(url, {"severity": "general"}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["monthly_amount"] in ("815.00", "815")
