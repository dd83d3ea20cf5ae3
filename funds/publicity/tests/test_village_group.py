"""The village group (村民小组) on what the public sees: each row of a batch's page and of
the village page, the standing list's rows (page, PDF, API) for new versions, while a
version made before the group was part of its rows still renders; no other personal data."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from funds.publicity.models import StandingList
from funds.publicity.services import standing_list_generate
from funds.publicity.tests.helpers import named_case, published_batch, recipient


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _grouped(obj, group: str):
    household = obj.household
    household.village_group = group
    household.save(update_fields=["village_group"])
    return obj


def _rows_of(body: str, testid: str) -> str:
    start = body.index(f'data-testid="{testid}')
    return body[start : body.index("</table>", start)]


@pytest.mark.django_db
def test_the_batch_and_village_pages_show_each_rows_village_group(demo, client):
    grouped = _grouped(named_case(demo.village, "张三丰"), "第3村民小组")
    plain = named_case(demo.village, "李四")
    batch = published_batch(demo.user("clerk"), demo.village, [grouped, plain])
    # The API gives the group frozen on the entry as well.
    api = APIClient()
    api.force_authenticate(demo.user("clerk"))
    entries = api.get(f"/api/notices/batches/{batch.pk}/").json()["entries"]
    assert [e["village_group"] for e in entries] == ["第3村民小组", ""]

    for url in (f"/public/notices/{batch.token}/", f"/public/villages/{demo.village.code}/"):
        body = client.get(url).content.decode()
        rows = _rows_of(body, f"notice-rows-{batch.number}")
        assert '<th scope="col">村民小组</th>' in rows
        assert "<td>张**</td><td>第3村民小组</td>" in rows, url
        assert "<td>李*</td><td>—</td>" in rows, url
        for secret in ("张三丰", grouped.household.address, grouped.applicant.id_number):
            assert secret not in body


@pytest.mark.django_db
def test_a_new_standing_list_carries_the_group_and_an_old_one_still_renders(demo, client):
    old = standing_list_generate(
        village=demo.village,
        actor=demo.user("clerk"),
        rows=[{"name": "王*", "type": "农村低保", "persons": 1, "amount": "480.00"}],
    )
    page = client.get(f"/public/villages/{demo.village.code}/").content.decode()
    assert "<td>王*</td><td>—</td><td>农村低保</td>" in page  # a version without the key

    _grouped(recipient(demo.village, "欧阳建国"), "三组")
    version = standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    assert version.rows[0]["group"] == "三组" and version.rows[0]["name"] == "欧阳**"
    with version.file.open("rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "村民小组" in text and "三组" in text and "欧阳建国" not in text

    standing = _rows_of(
        client.get(f"/public/villages/{demo.village.code}/").content.decode(), "standing-list"
    )
    assert "<td>欧阳**</td><td>三组</td>" in standing

    api = APIClient()
    api.force_authenticate(demo.user("clerk"))
    assert api.get(f"/api/publicity/standing-lists/{version.pk}/").json()["rows"][0]["group"] == (
        "三组"
    )
    old_rows = api.get(f"/api/publicity/standing-lists/{old.pk}/").json()["rows"]
    assert old_rows == [
        {"name": "王*", "group": "", "type": "农村低保", "persons": 1, "amount": "480.00"}
    ]
    assert StandingList.objects.get(pk=old.pk).rows[0].keys() == {
        "name",
        "type",
        "persons",
        "amount",
    }
