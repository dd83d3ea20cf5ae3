"""The public pages (no login) never carry a member's health or disability: neither the
value nor the ``已登记`` marker the staff pages show (PIPL; issue 16)."""

from __future__ import annotations

import pytest

from cases.models import Member
from funds.publicity.services import standing_list_generate
from funds.publicity.tests.helpers import named_case, published_batch, recipient

ILLNESS = "尿毒症维持性透析"


@pytest.mark.django_db
def test_the_public_pages_never_carry_health_or_disability(demo, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = named_case(demo.village, "张三丰")
    Member.objects.filter(pk=case.applicant.pk).update(
        serious_illness=ILLNESS, disability_type="肢体", disability_grade=2
    )
    batch = published_batch(demo.user("clerk"), demo.village, [case])
    listed = recipient(demo.village, "欧阳建国")
    Member.objects.filter(household=listed.household).update(
        serious_illness=ILLNESS, disability_type="肢体", disability_grade=2
    )
    standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    for url in (f"/public/villages/{demo.village.code}/", f"/public/notices/{batch.token}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "张**" in body
        assert (
            ILLNESS not in body
            and "已登记" not in body
            and "肢体" not in body
            and "残疾" not in body
        )
