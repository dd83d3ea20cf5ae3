"""Browser journey of a public notice: the village assistant gathers a batch on a phone,
publishes it and uploads the photo of the posted paper; a resident opens the QR code's page
without logging in and raises an objection; the township clerk finds it on the batch."""

import io

import pytest
from PIL import Image

from cases.models import Case, CaseState
from cases.notices.models import BatchState, NoticeBatch, Objection
from cases.notices.pdf import notice_context
from cases.workflow.tests.helpers import fast_passwords, make_case  # noqa: F401

pytestmark = pytest.mark.browser


def test_an_assistant_publishes_on_a_phone_and_a_resident_objects_from_the_qr_page(
    demo, live_server, browser, browser_session, tmp_path, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    first = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    second = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    photo = tmp_path / "posted.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 200, 190)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    with browser_session("assistant", phone=True) as page:
        page.click("button.navbar-toggler")
        page.click("#mainnav >> text=公示")
        page.click("[data-testid=notice-new-link]")
        page.check(f"#id_cases_{first.pk}")
        page.check(f"#id_cases_{second.pk}")
        page.fill("#id_place", "城东社区村务公开栏")
        page.fill("#id_phone", "0555-6661234")
        page.click("[data-testid=batch-create]")
        page.wait_for_selector("[data-testid=publish-form]")
        assert page.inner_text("[data-testid=batch-state]") == "待发布"
        page.click("[data-testid=publish]")
        page.wait_for_selector("[data-testid=photo-form]")
        assert page.inner_text("[data-testid=batch-state]") == "公示中"
        page.set_input_files("#id_file", str(photo))
        page.click("[data-testid=upload-photo]")
        page.wait_for_selector("[data-testid=photo-status]:has-text('已上传')")

    batch = NoticeBatch.objects.get()
    assert batch.state == BatchState.PUBLISHED and batch.photo_uploaded_at is not None
    qr_target = notice_context(batch)["public_url"]
    assert qr_target.startswith(live_server.url)

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    resident = context.new_page()
    resident.goto(qr_target)
    rows = resident.inner_text("main")
    first.applicant.refresh_from_db()
    assert first.applicant.name not in rows and first.applicant.name[0] + "*" in rows
    resident.select_option("select[name=household]", index=1)
    resident.fill("textarea[name=text]", "该户家中开了小卖部，收入没有申报")
    resident.click("#objection button[type=submit]")
    resident.wait_for_load_state()
    assert "登记" in resident.inner_text("main")
    context.close()

    objection = Objection.objects.get()
    assert objection.channel == Objection.Channel.ONLINE and not objection.is_complaint
    assert Case.objects.get(pk=objection.case_id).state == CaseState.OBJECTION
    with browser_session("clerk") as clerk:
        clerk.goto(f"{live_server.url}/cases/notices/{batch.pk}/")
        assert "在线提交" in clerk.inner_text("[data-testid=batch-objections]")
