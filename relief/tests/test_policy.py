"""Policy settings: code default ← county row ← township row, effective-dated; a case
keeps the snapshot taken at 受理."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from relief.models import PolicySetting
from relief.policy import KEY_BY_NAME, KEYS, Policy, cite, policy_for, policy_set

D = datetime.date


def test_every_key_has_a_default_that_its_own_parser_accepts():
    for spec in KEYS:
        assert spec.parse(spec.to_json(spec.default)) == spec.default, spec.key


def test_without_rows_the_code_defaults_apply(demo):
    policy = policy_for(demo.wuxi, D(2026, 6, 1))
    assert policy.dibao_limit_delegated_wd == 20
    assert policy.spot_check_ratio_tekun == Decimal("0.30")
    assert policy.sources["dibao_limit_delegated_wd"] == "默认值"
    assert policy.levels["dibao_limit_delegated_wd"] == "default"


def test_a_township_override_beats_the_county_default(demo):
    admin = demo.user("admin")
    policy_set(
        region=demo.county,
        key="notice_days",
        raw_value="10",
        effective_from=D(2026, 1, 1),
        actor=admin,
    )
    policy_set(
        region=demo.wuxi,
        key="notice_days",
        raw_value="5",
        effective_from=D(2026, 1, 1),
        actor=admin,
    )
    assert policy_for(demo.wuxi, D(2026, 6, 1)).notice_days == 5
    assert policy_for(demo.wuxi, D(2026, 6, 1)).levels["notice_days"] == "township"
    assert policy_for(demo.huangchi, D(2026, 6, 1)).notice_days == 10
    assert policy_for(demo.huangchi, D(2026, 6, 1)).sources["notice_days"] == "当涂县"
    assert policy_for(demo.county, D(2026, 6, 1)).notice_days == 10


def test_effective_dates_are_respected(demo):
    admin = demo.user("admin")
    policy_set(
        region=demo.county,
        key="dibao_limit_delegated_wd",
        raw_value=18,
        effective_from=D(2026, 3, 1),
        actor=admin,
    )
    policy_set(
        region=demo.county,
        key="dibao_limit_delegated_wd",
        raw_value=15,
        effective_from=D(2026, 7, 1),
        actor=admin,
    )
    assert policy_for(demo.wuxi, D(2026, 2, 28)).dibao_limit_delegated_wd == 20
    assert policy_for(demo.wuxi, D(2026, 3, 1)).dibao_limit_delegated_wd == 18
    assert policy_for(demo.wuxi, D(2026, 6, 30)).dibao_limit_delegated_wd == 18
    assert policy_for(demo.wuxi, D(2026, 7, 1)).dibao_limit_delegated_wd == 15


def test_a_township_override_not_yet_effective_leaves_the_county_value(demo):
    admin = demo.user("admin")
    policy_set(
        region=demo.county,
        key="evaluation_mode",
        raw_value="always",
        effective_from=D(2026, 1, 1),
        actor=admin,
    )
    policy_set(
        region=demo.wuxi,
        key="evaluation_mode",
        raw_value="never",
        effective_from=D(2026, 9, 1),
        actor=admin,
    )
    assert policy_for(demo.wuxi, D(2026, 8, 31)).evaluation_mode == "always"
    assert policy_for(demo.wuxi, D(2026, 9, 1)).evaluation_mode == "never"


def test_a_village_answers_with_its_townships_policy(demo):
    assert (
        policy_for(demo.village, D(2026, 6, 1)).values
        == policy_for(demo.gushu, D(2026, 6, 1)).values
    )


def test_the_demo_shiqiao_variant_follows_seed_002(demo):
    policy = policy_for(demo.shiqiao, D(2026, 6, 1))
    assert policy.dibao_limit_delegated_wd == 12
    assert policy.parallel_check_visit is True
    assert policy.evaluation_mode == "never"
    assert policy.notice_timing == "after"


@pytest.mark.parametrize(
    "key, raw, message",
    [
        ("notice_days", "七", "公示期：请输入整数"),
        ("notice_days", "0", "公示期：不能小于 1"),
        ("spot_check_ratio_tekun", "0.2", "特困新增对象抽查比例：不能小于 0.30"),
        ("spot_check_ratio_dibao", "abc", "低保新增对象抽查比例：请输入数字"),
        ("spot_check_ratio_dibao", "NaN", "低保新增对象抽查比例：请输入数字"),
        ("evaluation_mode", "sometimes", "民主评议：取值须为"),
        ("evaluation_mode", ["never"], "民主评议：取值须为"),
        ("parallel_check_visit", "maybe", "核对与入户并行：请选择是或否"),
    ],
)
def test_bad_values_are_refused_in_chinese_at_the_value(demo, key, raw, message):
    with pytest.raises(ValidationError) as exc:
        policy_set(
            region=demo.county, key=key, raw_value=raw, effective_from=D(2026, 1, 1), actor=None
        )
    assert exc.value.message_dict["value"][0].startswith(message)
    assert not PolicySetting.objects.filter(region=demo.county, key=key).exists()


def test_settings_only_go_to_a_county_or_a_township(demo):
    with pytest.raises(ValidationError, match="县\\(区\\)或乡镇"):
        policy_set(
            region=demo.village,
            key="notice_days",
            raw_value=5,
            effective_from=D(2026, 1, 1),
            actor=None,
        )
    with pytest.raises(ValidationError, match="未知的政策项"):
        policy_set(
            region=demo.county,
            key="no_such_key",
            raw_value=5,
            effective_from=D(2026, 1, 1),
            actor=None,
        )


def test_decimals_survive_the_snapshot_round_trip_exactly(demo):
    policy_set(
        region=demo.county,
        key="temp_cap_village",
        raw_value="1200.50",
        effective_from=D(2026, 1, 1),
        actor=None,
    )
    snapshot = policy_for(demo.wuxi, D(2026, 6, 1)).as_snapshot()
    assert snapshot["temp_cap_village"] == "1200.50"
    restored = Policy.from_snapshot(snapshot)
    assert restored.temp_cap_village == Decimal("1200.50")
    assert restored.on == D(2026, 6, 1)


def test_a_snapshot_from_before_a_key_existed_takes_the_code_default():
    restored = Policy.from_snapshot({"notice_days": 9, "_on": "2025-01-01"})
    assert restored.notice_days == 9
    assert restored.phase_out_max_months == KEY_BY_NAME["phase_out_max_months"].default


def test_every_key_is_declared_once():
    assert len(KEY_BY_NAME) == len(KEYS)


def test_stored_values_of_a_removed_key_are_ignored(demo, client):
    """Rows of a key no longer in the registry (e.g. the old duplicate 渐退期
    ``phase_out_months``) neither raise nor show: policy_for, snapshots and the settings
    page skip them."""
    for effective_from in (D(2020, 1, 1), D(2099, 1, 1)):
        PolicySetting.objects.create(
            region=demo.county, key="phase_out_months", value=3, effective_from=effective_from
        )
    policy = policy_for(demo.wuxi, D(2026, 6, 1))
    assert "phase_out_months" not in policy.values
    assert policy.phase_out_max_months == KEY_BY_NAME["phase_out_max_months"].default
    restored = Policy.from_snapshot({**policy.as_snapshot(), "phase_out_months": 3})
    assert "phase_out_months" not in restored.values
    client.force_login(demo.user("admin"))
    page = client.get(reverse("manage:policy_region", args=[demo.county.pk]))
    assert page.status_code == 200 and "phase_out_months" not in page.content.decode()


def test_legal_sources_are_spelled_out_for_the_administrator():
    assert KEY_BY_NAME["dibao_limit_county_wd"].source_text == "《最低生活保障审核确认办法》第22条"
    assert (
        cite("F §4(1); seeds 000, 004")
        == "《关于进一步做好最低生活保障等社会救助兜底工作的通知》第4部分第(1)项；"
        "当涂县实施方案、裕安区实施方案"
    )
    assert cite("") == ""


def test_a_time_limit_above_the_extended_maximum_is_refused(demo):
    with pytest.raises(ValidationError) as exc:
        policy_set(
            region=demo.county,
            key="dibao_limit_county_wd",
            raw_value=50,
            effective_from=D(2026, 1, 1),
            actor=None,
        )
    assert exc.value.message_dict["value"] == [
        "低保办理时限(县级审批)不能大于延长后最长时限（现为 45工作日）"
    ]
    with pytest.raises(ValidationError) as exc:
        policy_set(
            region=demo.wuxi,
            key="temp_cap_combined",
            raw_value="900",
            effective_from=D(2026, 1, 1),
            actor=None,
        )
    assert "不能小于临时救助村级互助金上限" in exc.value.message_dict["value"][0]
    policy_set(
        region=demo.county,
        key="limit_max_extended_wd",
        raw_value=60,
        effective_from=D(2026, 1, 1),
        actor=None,
    )
    policy_set(
        region=demo.county,
        key="dibao_limit_county_wd",
        raw_value=50,
        effective_from=D(2026, 1, 1),
        actor=None,
    )
    assert policy_for(demo.wuxi, D(2026, 2, 1)).dibao_limit_county_wd == 50


def test_a_pending_setting_is_announced_by_its_label_and_value(demo, client):
    """The settings page names a setting not yet in force as the administrator reads it
    (label, value with its unit, first day), never by its registry key."""
    spec = KEY_BY_NAME["dibao_limit_delegated_wd"]
    policy_set(
        region=demo.county,
        key=spec.key,
        raw_value=18,
        effective_from=D(2099, 3, 1),
        actor=demo.user("admin"),
    )
    client.force_login(demo.user("admin"))
    page = client.get(reverse("manage:policy_region", args=[demo.county.pk])).content.decode()
    notice = page.split("待生效的设置：", 1)[1].split("</div>", 1)[0]
    assert spec.label in notice and f"18{spec.unit}" in notice and "2099-03-01" in notice
    assert spec.key not in notice
