"""Shared pytest fixtures: demo personas per role (tests/factories.py builds the rest)."""

import pytest


@pytest.fixture
def demo(db):
    """The demo county with one account per role (relief/demo.py)."""
    from relief.demo import seed_regions_and_accounts
    from relief.models import Region, User

    seed_regions_and_accounts()

    class Demo:
        county = Region.objects.get(code="340521000000")
        gushu = Region.objects.get(code="340521100000")  # pilot, full delegation
        huangchi = Region.objects.get(code="340521101000")  # partial: 低保 only
        wuxi = Region.objects.get(code="340521102000")  # no delegation
        shiqiao = Region.objects.get(code="340521103000")  # seed-002 variant policy
        village = Region.objects.get(code="340521100201")  # 城东社区 in 姑孰镇
        wuxi_village = Region.objects.get(code="340521102201")

        @staticmethod
        def user(username):
            return User.objects.get(username=username)

    return Demo
