"""Region scoping of every core model: a user sees rows inside their region only, and a
detail lookup outside it is a 404 (never a 403)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from relief import selectors
from relief.delegation import delegation_change_status
from relief.models import AssistanceType, Delegation, Notification, Region, Role, User
from relief.policy import policy_set
from relief.scoping import (
    region_q,
    regions_for_user,
    scope_by_region,
    townships_for_user,
    villages_for_user,
)

D = datetime.date


@pytest.fixture
def other(demo):
    """A second county (含山县).

    It has one township, one village, an administrator and a delegation.
    """
    county = Region.objects.create(code="340522000000", name="含山县", level="county")
    township = Region.objects.create(
        code="340522100000", name="环峰镇", level="township", parent=county
    )
    village = Region.objects.create(
        code="340522100201", name="城南社区", level="village", parent=township
    )
    admin = User.objects.create(username="hs_admin", role=Role.ADMINISTRATOR, region=county)
    clerk = User.objects.create(username="hs_clerk", role=Role.TOWNSHIP_CLERK, region=township)
    delegation = Delegation.objects.create(
        township=township,
        assistance_type=AssistanceType.objects.get(code="dibao_rural"),
        document_no="含政委〔2025〕1号",
        document_date=D(2025, 1, 1),
        effective_from=D(2025, 1, 1),
    )
    delegation_change_status(
        delegation=delegation,
        status="suspended",
        effective_date=D(2025, 6, 1),
        reason="x",
        actor=admin,
    )
    setting = policy_set(
        region=township, key="notice_days", raw_value=5, effective_from=D(2025, 1, 1), actor=admin
    )

    class Other:
        pass

    o = Other()
    o.county, o.township, o.village, o.admin, o.clerk = county, township, village, admin, clerk
    o.delegation, o.setting = delegation, setting
    return o


def test_a_county_user_sees_the_whole_county_tree_and_nothing_of_another(demo, other):
    regions = set(selectors.region_list_for_user(user=demo.user("admin")))
    assert demo.county in regions and demo.gushu in regions and demo.village in regions
    assert not regions & {other.county, other.township, other.village}
    with pytest.raises(Http404):
        selectors.region_get_for_user(user=demo.user("admin"), pk=other.village.pk)


def test_a_township_user_sees_their_township_and_its_villages_only(demo):
    clerk = demo.user("clerk")
    regions = set(selectors.region_list_for_user(user=clerk))
    assert demo.gushu in regions and demo.village in regions
    assert (
        demo.county not in regions and demo.wuxi not in regions and demo.wuxi_village not in regions
    )
    assert set(townships_for_user(clerk)) == {demo.gushu}
    assert demo.village in set(villages_for_user(clerk))
    with pytest.raises(Http404):
        selectors.region_get_for_user(user=clerk, pk=demo.wuxi_village.pk)


def test_a_village_assistant_sees_only_their_village(demo):
    assert list(selectors.region_list_for_user(user=demo.user("assistant"))) == [demo.village]


def test_a_user_in_a_deactivated_region_sees_nothing(demo):
    Region.objects.filter(pk=demo.village.pk).update(active=False)
    assistant = demo.user("assistant")
    assert not regions_for_user(assistant).exists()
    assert not Region.objects.filter(
        region_q(assistant, township_field="parent", village_field="id")
    ).exists()


def test_administrators_list_only_users_of_their_county(demo, other):
    usernames = set(
        selectors.user_list_for_user(user=demo.user("admin")).values_list("username", flat=True)
    )
    assert {"admin", "clerk", "assistant", "clerk_wuxi"} <= usernames
    assert not usernames & {"hs_admin", "hs_clerk"}
    with pytest.raises(Http404):
        selectors.user_get_for_user(user=demo.user("admin"), pk=other.clerk.pk)
    assert set(
        selectors.user_list_for_user(user=other.admin).values_list("username", flat=True)
    ) == {"hs_admin", "hs_clerk"}


def test_delegations_are_scoped_by_township(demo, other):
    admin_rows = selectors.delegation_list_for_user(user=demo.user("admin"))
    assert admin_rows.filter(township=demo.gushu).exists()
    assert not admin_rows.filter(pk=other.delegation.pk).exists()
    clerk_rows = selectors.delegation_list_for_user(user=demo.user("clerk_huangchi"))
    assert set(clerk_rows.values_list("township__code", flat=True)) == {demo.huangchi.code}
    with pytest.raises(Http404):
        selectors.delegation_get_for_user(
            user=demo.user("clerk_huangchi"), pk=admin_rows.filter(township=demo.gushu)[0].pk
        )
    with pytest.raises(Http404):
        selectors.delegation_get_for_user(user=demo.user("supervisor"), pk=other.delegation.pk)
    assert (
        selectors.delegation_get_for_user(user=other.clerk, pk=other.delegation.pk)
        == other.delegation
    )


def test_delegation_events_are_scoped_through_their_delegation(demo, other):
    assert (
        not selectors.delegation_events_for_user(user=demo.user("admin"))
        .filter(delegation=other.delegation)
        .exists()
    )
    assert (
        selectors.delegation_events_for_user(user=other.admin)
        .filter(delegation=other.delegation)
        .count()
        == 1
    )


def test_policy_settings_are_scoped_to_the_county_and_its_townships(demo, other):
    mine = selectors.policy_settings_for_user(user=demo.user("admin"))
    assert mine.filter(region=demo.shiqiao).exists()
    assert not mine.filter(pk=other.setting.pk).exists()
    with pytest.raises(Http404):
        selectors.policy_setting_get_for_user(user=demo.user("admin"), pk=other.setting.pk)
    # a township sees its own overrides, not another township's
    assert (
        not selectors.policy_settings_for_user(user=demo.user("clerk"))
        .filter(region=demo.shiqiao)
        .exists()
    )
    assert (
        selectors.policy_settings_for_user(user=demo.user("clerk_shiqiao"))
        .filter(region=demo.shiqiao)
        .exists()
    )


def test_notifications_belong_to_their_recipient_only(demo):
    Notification.objects.create(recipient=demo.user("clerk"), verb="新案件待受理")
    assert selectors.notification_list_for_user(user=demo.user("clerk")).count() == 1
    assert selectors.notification_list_for_user(user=demo.user("clerk_wuxi")).count() == 0


def test_a_superuser_without_a_region_sees_everything_and_an_anonymous_user_nothing(demo, other):
    root = User.objects.create(username="root", is_superuser=True, role="")
    assert selectors.region_list_for_user(user=root).filter(pk=other.village.pk).exists()
    assert not regions_for_user(AnonymousUser()).exists()
    assert not scope_by_region(
        Delegation.objects.all(), AnonymousUser(), village_field=None
    ).exists()


def test_assistance_types_and_the_calendar_are_shared_reference_data(demo):
    assert selectors.assistance_type_list().count() == AssistanceType.objects.count()
    assert all(t.active for t in selectors.assistance_type_list(active_only=True))
