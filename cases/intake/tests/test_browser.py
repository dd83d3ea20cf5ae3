"""A village assistant enters a home-visit survey on a phone-sized window."""

import datetime

import pytest

from cases.intake.tests.helpers import accepted, application, force
from cases.models import CaseState, Survey
from tests.uploads import png_bytes

PNG = png_bytes()


@pytest.mark.browser
def test_village_assistant_enters_a_survey_on_a_phone(
    transactional_db, demo, live_server, phone_page, login_as, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    clerk = demo.user("clerk")
    case = force(accepted(application(clerk), clerk), CaseState.VISITING)
    page = phone_page
    login_as("assistant", page=page)
    page.goto(f"{live_server.url}/cases/{case.pk}/survey/")
    assert page.locator("h1").inner_text().startswith("入户调查")
    # fits the phone: no horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#id_visit_date", datetime.date.today().isoformat())
    page.fill("input[aria-label=调查人1]", "张秀英")
    page.select_option("#id_housing", "dilapidated")
    page.fill("#id_living_conditions", "土坯房，屋顶漏雨；夫妻二人均患慢性病")
    page.fill("#id_findings", "家庭收入低，情况属实")
    page.click("button[value=finish]")
    page.wait_for_load_state()
    error = page.locator("[data-error-for=investigators]")
    assert "至少2名调查人员" in error.inner_text()
    assert Survey.objects.filter(case=case).count() == 0  # nothing saved

    # save a draft with a photo, come back later and finish it
    page.fill("input[aria-label=调查人2]", "陈晓燕")
    photo = tmp_path / "house.png"
    photo.write_bytes(PNG)
    page.set_input_files("#id_photos", str(photo))
    page.click("button[value=draft]")
    page.wait_for_load_state()
    assert "草稿已保存" in page.content()
    survey = Survey.objects.get(case=case)
    assert survey.status == "draft" and survey.investigators == ["张秀英", "陈晓燕"]
    assert case.documents.filter(kind="survey_photo", content_type="image/png").count() == 1

    page.goto(f"{live_server.url}/cases/{case.pk}/survey/")
    assert page.input_value("input[aria-label=调查人2]") == "陈晓燕"
    page.click("button[value=finish]")
    page.wait_for_load_state()
    assert "入户调查已完成" in page.content()
    case.refresh_from_db()
    assert case.survey_status == "complete"
    # the case's intake file also fits the phone and shows the finished survey
    page.goto(f"{live_server.url}/cases/{case.pk}/intake/")
    assert "张秀英、陈晓燕" in page.locator("[data-testid=survey]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server.url}/cases/new/")
    assert page.locator("h1").inner_text() == "登记救助申请"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.browser
def test_a_refused_application_on_a_phone_opens_on_the_summary_that_leads_to_the_field(
    transactional_db, demo, live_server, phone_page, login_as
):
    page = phone_page
    login_as("clerk", page=page)
    page.goto(f"{live_server.url}/cases/new/")
    page.select_option("#id_assistance_type", label="农村最低生活保障")
    page.select_option("#id_village", str(demo.village.pk))
    page.fill("#id_address", "城东社区1号")
    page.fill("#id_members-0-name", "王德福")
    page.fill("#id_members-0-id_number", "130402198207290622")  # wrong check digit
    page.select_option("#id_members-0-relation", "self")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert "身份证号校验码错误" in summary.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    field = page.locator("#id_members-0-id_number")
    assert field.get_attribute("aria-invalid") == "true"
    assert "id_members-0-id_number_error" in field.get_attribute("aria-describedby")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_members-0-id_number"
    assert page.input_value("#id_members-0-name") == "王德福"  # what was typed stays


@pytest.mark.browser
def test_a_clerk_records_an_original_on_a_phone_and_a_missing_note_is_shown_at_the_item(
    transactional_db, demo, live_server, phone_page, login_as
):
    """The checklist follows the documents: an item without an upload is recorded as 原件已核验
    with a note; without one the page opens on the summary, whose link leads to the note."""
    case = application(demo.user("clerk"))
    page = phone_page
    login_as("clerk", page=page)
    page.goto(f"{live_server.url}/cases/{case.pk}/intake/")
    item = page.locator("[data-testid=checklist-hukou]")
    assert "未提供" in item.inner_text()
    item.locator("button[name=verify]").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert "请填写核验说明" in summary.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "checklist_note-hukou"
    note = page.locator("#checklist_note-hukou")
    assert note.get_attribute("aria-invalid") == "true"
    assert case.checklist_entries.count() == 0  # nothing saved

    note.fill("户口簿原件已核验，复印件存档")
    page.locator("[data-testid=checklist-hukou] button[name=verify]").click()
    page.wait_for_load_state()
    verified = page.locator("[data-testid=verified-hukou]").inner_text()
    assert "原件已核验" in verified and "户口簿原件已核验，复印件存档" in verified
    assert page.locator("#checklist_reason-hukou").is_visible()  # it can be withdrawn
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
