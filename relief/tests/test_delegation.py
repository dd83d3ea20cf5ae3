"""holds_power: the one answer to "does township T hold the power to confirm type X on D?"."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from relief.delegation import (
    delegation_change_status,
    delegation_create,
    delegation_in_force,
    holds_power,
    holds_power_map,
    power_from_map,
    status_on,
)
from relief.models import AssistanceType, Delegation, DelegationEvent, Region

D = datetime.date


@pytest.fixture
def dibao(db):
    return AssistanceType.objects.get(code="dibao_rural")


@pytest.fixture
def grant(demo, dibao):
    def make(township=None, **kwargs):
        values = {
            "township": township or demo.wuxi,
            "assistance_type": dibao,
            "document_no": "当政委〔2026〕1号",
            "document_date": D(2026, 1, 1),
            "effective_from": D(2026, 1, 10),
            "effective_until": None,
            "phase": Delegation.Phase.PILOT,
        }
        values.update(kwargs)
        return delegation_create(actor=demo.user("admin"), **values)

    return make


def test_the_demo_pilot_township_holds_power_for_every_type_and_the_partial_one_only_for_dibao(
    demo,
):
    on = D(2026, 6, 1)
    tekun = AssistanceType.objects.get(code="tekun_dispersed")
    dibao = AssistanceType.objects.get(code="dibao_urban")
    assert holds_power(demo.gushu, tekun, on)
    assert holds_power(demo.huangchi, dibao, on)
    assert not holds_power(demo.huangchi, tekun, on)
    assert not holds_power(demo.wuxi, dibao, on)


def test_no_power_before_effective_from_and_from_that_day_on(grant, demo, dibao):
    grant()
    assert not holds_power(demo.wuxi, dibao, D(2026, 1, 9))
    assert holds_power(demo.wuxi, dibao, D(2026, 1, 10))


def test_no_power_after_effective_until_but_on_that_day(grant, demo, dibao):
    grant(effective_until=D(2026, 6, 30))
    assert holds_power(demo.wuxi, dibao, D(2026, 6, 30))
    assert not holds_power(demo.wuxi, dibao, D(2026, 7, 1))


def test_suspended_then_resumed(grant, demo, dibao):
    d = grant()
    admin = demo.user("admin")
    delegation_change_status(
        delegation=d,
        status="suspended",
        effective_date=D(2026, 3, 1),
        reason="抽查问题率高",
        actor=admin,
    )
    delegation_change_status(
        delegation=d, status="active", effective_date=D(2026, 5, 1), reason="整改完成", actor=admin
    )
    assert holds_power(demo.wuxi, dibao, D(2026, 2, 28))
    assert not holds_power(demo.wuxi, dibao, D(2026, 3, 1))
    assert not holds_power(demo.wuxi, dibao, D(2026, 4, 30))
    assert holds_power(demo.wuxi, dibao, D(2026, 5, 1))
    d.refresh_from_db()
    assert d.status == "active" and d.status_reason == "整改完成"


def test_a_future_suspension_does_not_change_today(grant, demo, dibao):
    d = grant()
    delegation_change_status(
        delegation=d,
        status="suspended",
        effective_date=D(2026, 9, 1),
        reason="计划暂停",
        actor=None,
    )
    assert holds_power(demo.wuxi, dibao, D(2026, 8, 31))
    assert not holds_power(demo.wuxi, dibao, D(2026, 9, 1))


def test_revoked_is_final(grant, demo, dibao):
    d = grant()
    delegation_change_status(
        delegation=d, status="revoked", effective_date=D(2026, 4, 1), reason="收回", actor=None
    )
    assert holds_power(demo.wuxi, dibao, D(2026, 3, 31))
    assert not holds_power(demo.wuxi, dibao, D(2027, 1, 1))
    with pytest.raises(ValidationError) as exc:
        delegation_change_status(
            delegation=d, status="active", effective_date=D(2026, 5, 1), reason="恢复", actor=None
        )
    assert "不能变更为" in exc.value.message_dict["status"][0]


def test_two_delegations_over_time(grant, demo, dibao):
    first = grant(effective_until=D(2026, 3, 31), document_no="当政委〔2026〕1号")
    grant(
        effective_from=D(2026, 6, 1), document_no="当政委〔2026〕9号", phase=Delegation.Phase.FULL
    )
    assert delegation_in_force(demo.wuxi, dibao, D(2026, 2, 1)) == first
    assert not holds_power(demo.wuxi, dibao, D(2026, 4, 15))  # the gap between them
    assert delegation_in_force(demo.wuxi, dibao, D(2026, 7, 1)).document_no == "当政委〔2026〕9号"


def test_the_newest_entrustment_decides_so_suspending_it_is_not_bypassed_by_an_older_open_one(
    grant, demo, dibao
):
    grant(document_no="旧委托")
    newer = grant(effective_from=D(2026, 6, 1), document_no="新委托", phase=Delegation.Phase.FULL)
    delegation_change_status(
        delegation=newer,
        status="suspended",
        effective_date=D(2026, 7, 1),
        reason="暂停",
        actor=None,
    )
    assert holds_power(demo.wuxi, dibao, D(2026, 6, 15))
    assert not holds_power(demo.wuxi, dibao, D(2026, 7, 2))
    # before the newer one took effect the older one still decides
    assert delegation_in_force(demo.wuxi, dibao, D(2026, 5, 1)).document_no == "旧委托"


def test_power_belongs_to_the_township_and_type_it_was_granted_for(grant, demo, dibao):
    grant()
    tekun = AssistanceType.objects.get(code="tekun_dispersed")
    assert not holds_power(demo.wuxi, tekun, D(2026, 6, 1))
    assert holds_power(demo.wuxi, dibao, D(2026, 6, 1))


def test_a_change_needs_a_reason_and_a_date_not_before_the_last_change(grant, demo):
    d = grant()
    with pytest.raises(ValidationError) as exc:
        delegation_change_status(
            delegation=d, status="suspended", effective_date=D(2026, 3, 1), reason="  ", actor=None
        )
    assert exc.value.message_dict["reason"] == ["请填写变更原因"]
    with pytest.raises(ValidationError) as exc:
        delegation_change_status(
            delegation=d, status="suspended", effective_date=D(2025, 12, 1), reason="x", actor=None
        )
    assert "effective_date" in exc.value.message_dict
    delegation_change_status(
        delegation=d, status="suspended", effective_date=D(2026, 3, 1), reason="x", actor=None
    )
    with pytest.raises(ValidationError) as exc:
        delegation_change_status(
            delegation=d, status="active", effective_date=D(2026, 2, 1), reason="y", actor=None
        )
    assert "上一次变更" in exc.value.message_dict["effective_date"][0]
    with pytest.raises(ValidationError) as exc:
        delegation_change_status(
            delegation=d, status="bogus", effective_date=D(2026, 4, 1), reason="y", actor=None
        )
    assert "status" in exc.value.message_dict
    assert DelegationEvent.objects.filter(delegation=d).count() == 1


def test_a_change_after_the_entrustment_ended_is_refused(grant):
    d = grant(effective_until=D(2026, 6, 30))
    with pytest.raises(ValidationError) as exc:
        delegation_change_status(
            delegation=d, status="suspended", effective_date=D(2026, 7, 1), reason="x", actor=None
        )
    assert "截止日期" in exc.value.message_dict["effective_date"][0]


def test_creating_a_delegation_validates_in_chinese(demo, dibao):
    with pytest.raises(ValidationError) as exc:
        delegation_create(
            township=demo.village,
            assistance_type=dibao,
            document_no="",
            document_date=D(2026, 2, 1),
            effective_from=D(2026, 1, 1),
            effective_until=D(2025, 1, 1),
            phase="full",
        )
    errors = exc.value.message_dict
    assert errors["township"] == ["只能委托给乡镇(街道)"]
    assert errors["document_no"] == ["请填写委托书文号"]
    assert errors["effective_until"] == ["截止日期不能早于生效日期"]
    assert errors["document_date"] == ["委托书日期不能晚于生效日期"]


def test_the_batch_map_agrees_with_holds_power_for_every_pair(
    grant, demo, django_assert_max_num_queries
):
    d = grant()
    delegation_change_status(
        delegation=d, status="suspended", effective_date=D(2026, 3, 1), reason="x", actor=None
    )
    townships = [demo.gushu, demo.huangchi, demo.wuxi, demo.shiqiao]
    types = list(AssistanceType.objects.all())
    for on in (D(2020, 1, 1), D(2026, 2, 1), D(2026, 4, 1)):
        with django_assert_max_num_queries(2):
            m = holds_power_map(townships, types, on)
        for t in townships:
            for a in types:
                assert power_from_map(m[(t.pk, a.pk)], on) == holds_power(t, a, on), (t, a, on)


def test_status_on_follows_events_in_date_order(grant):
    d = grant()
    delegation_change_status(
        delegation=d, status="suspended", effective_date=D(2026, 3, 1), reason="a", actor=None
    )
    delegation_change_status(
        delegation=d, status="active", effective_date=D(2026, 3, 1), reason="b", actor=None
    )
    d = Delegation.objects.get(pk=d.pk)
    assert status_on(d, D(2026, 3, 1)) == "active"
    assert status_on(d, D(2026, 2, 28)) == "active"


def test_an_administrator_cannot_grant_power_outside_their_county(demo, dibao):
    county = Region.objects.create(code="340522000000", name="含山县", level="county")
    township = Region.objects.create(
        code="340522100000", name="环峰镇", level="township", parent=county
    )
    with pytest.raises(ValidationError) as exc:
        delegation_create(
            township=township,
            assistance_type=dibao,
            document_no="x",
            document_date=D(2026, 1, 1),
            effective_from=D(2026, 1, 1),
            actor=demo.user("admin"),
        )
    assert exc.value.message_dict["township"] == ["只能委托本人管辖范围内的乡镇(街道)"]
