"""Browser: a resident on a phone, without logging in, opens the village's public page,
reads the masked rows, follows a batch, first sends an empty objection (Chinese error at
the field) and then a real one; no Content-Security-Policy violation on the way."""

import pytest
from django.core.cache import cache

from cases.models import CaseState
from cases.notices.models import Objection
from cases.workflow.tests.helpers import fast_passwords  # noqa: F401
from funds.publicity.services import standing_list_generate
from funds.publicity.tests.helpers import named_case, published_batch, recipient
from tests.browser_support import settle

pytestmark = pytest.mark.browser


def test_a_resident_reads_the_village_page_and_objects_on_a_phone(
    demo, live_server, phone_page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    case = named_case(demo.village, "欧阳建国")
    batch = published_batch(demo.user("clerk"), demo.village, [case])
    recipient(demo.village, "李")
    standing_list_generate(village=demo.village, actor=demo.user("clerk"))

    page = phone_page
    page.goto(f"{live_server.url}/public/villages/{demo.village.code}/")
    text = page.inner_text("main")
    assert "欧阳**" in text and "李*" in text and "欧阳建国" not in text
    # the page fits the phone's width: nothing scrolls sideways but the tables' own box
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]
    page.click(f"a[href='/public/notices/{batch.token}/']")
    page.wait_for_selector("[data-testid=objection-form]")
    page.click("#objection button[type=submit]")
    page.wait_for_selector("[data-testid=error-text]")
    assert "请填写异议内容" in page.inner_text("[data-testid=error-text]")
    assert "请选择公示名单中的一户" in page.inner_text("[data-testid=error-household]")
    settle(page)
    page.select_option("select[name=household]", index=1)
    page.fill("textarea[name=text]", "该户在县城有商品房一套")
    page.fill("input[name=contact]", "13900001111")
    page.click("#objection button[type=submit]")
    page.wait_for_selector("[data-testid=objection-message]")
    assert "异议复查" in page.inner_text("[data-testid=objection-message]")

    objection = Objection.objects.get()
    assert objection.channel == Objection.Channel.ONLINE and objection.contact == "13900001111"
    case.refresh_from_db()
    assert case.state == CaseState.OBJECTION
