import io
import subprocess
import tempfile
from pathlib import Path

import pytest
import segno
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from archive.models import Document
from archive.printforms.registry import BY_SLUG, FORMS, find_form_code, form_code, form_in_file
from archive.printforms.render import form_context, qr_data_uri, render_form_pdf
from archive.sniff import PNG
from archive.tests.helpers import full_case, pdf_bytes, png_bytes, upload
from cases.intake.tests.helpers import application
from cases.models import Survey

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def get_form(client, case, slug):
    response = client.get(reverse("casefile:form_pdf", args=[case.pk, slug]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_every_form_is_prefilled_with_the_case_number_its_code_and_the_applicant(demo, client):
    case = full_case(demo, scans=False)
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("casefile:forms", args=[case.pk])).content.decode()
    for spec in FORMS:
        assert reverse("casefile:form_pdf", args=[case.pk, spec.slug]) in page
        text = text_of(get_form(client, case, spec.slug))
        assert spec.title in text
        assert case.number in text and form_code(spec, case.pk) in text
        assert case.applicant.name in text
        assert find_form_code(text) == (spec, case.pk)
    review = text_of(get_form(client, case, "review")).replace("\n", "")
    assert "经审核，符合城乡低保条件，同意确认" in review


def test_the_qr_code_links_back_to_the_case_page(demo, rf):
    case = full_case(demo, scans=False)
    url = f"http://testserver{reverse('cases:detail', args=[case.pk])}"
    context = form_context(case, BY_SLUG["pledge"], case_url=url)
    assert context["qr"] == qr_data_uri(f"{url}#{form_code(BY_SLUG['pledge'], case.pk)}")
    assert context["qr"].startswith("data:image/svg+xml")


def test_the_survey_form_is_blank_before_the_visit_and_filled_after(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk, village=demo.village)
    client.force_login(clerk)
    blank = text_of(get_form(client, case, "survey"))
    assert "空白表" in blank and "周明" not in blank
    Survey.objects.create(
        case=case, investigators=["周明", "吴芳"], findings="与申报一致", status="complete"
    )
    filled = text_of(get_form(client, case, "survey"))
    assert "周明" in filled and "吴芳" in filled and "与申报一致" in filled


def test_a_signed_form_uploaded_back_is_matched_to_its_case_and_kind(demo, client):
    case = full_case(demo, scans=False)
    client.force_login(demo.user("clerk"))
    signed = get_form(client, case, "authorisation")
    response = client.post(
        reverse("casefile:forms_upload", args=[case.pk]),
        {"file": SimpleUploadedFile("scan.pdf", signed)},
        follow=True,
    )
    assert "已识别并归档" in response.content.decode()
    doc = Document.objects.get(case=case, kind=Document.Kind.AUTHORISATION)
    assert doc.title == "已签署家庭经济状况核对授权书"


def test_a_form_of_another_case_or_without_a_code_is_refused(demo, client):
    case = full_case(demo, scans=False)
    other = full_case(demo, scans=False, name="赵大")
    client.force_login(demo.user("clerk"))
    url = reverse("casefile:forms_upload", args=[case.pk])
    foreign = get_form(client, other, "pledge")
    page = client.post(url, {"file": SimpleUploadedFile("a.pdf", foreign)}, follow=True)
    assert "属于另一案件" in page.content.decode()
    plain = pdf_bytes("没有表码的文件")
    page = client.post(url, {"file": SimpleUploadedFile("b.pdf", plain)}, follow=True)
    assert "未能在文件中识别表码" in page.content.decode()
    real = form_code(BY_SLUG["pledge"], case.pk)
    forged = real[:-4] + ("0000" if not real.endswith("0000") else "FFFF")
    assert find_form_code(f"表码：{forged}") is None
    assert not Document.objects.filter(case__in=[case, other]).exists()


def test_another_townships_forms_are_not_found(demo, client):
    case = full_case(demo, scans=False)
    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(reverse("casefile:forms", args=[case.pk])).status_code == 404
    assert client.get(reverse("casefile:form_pdf", args=[case.pk, "pledge"])).status_code == 404


def test_a_signed_form_uploaded_as_an_ordinary_document_is_recognised(demo):
    case = full_case(demo, scans=False)
    clerk = demo.user("clerk")
    signed = render_form_pdf(case, BY_SLUG["pledge"], case_url="http://testserver/")
    doc = upload(case, clerk, "扫描.pdf", signed, kind="other")
    assert doc.kind == Document.Kind.PLEDGE and doc.title == "已签署守信承诺书"
    other = full_case(demo, scans=False, name="孙七")
    with pytest.raises(ValidationError) as refused:
        upload(other, clerk, "扫描.pdf", signed, kind="other")
    assert "属于另一案件" in str(refused.value)


def test_the_case_page_links_to_the_case_file_and_the_forms(demo, client):
    case = full_case(demo, scans=False)
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("casefile:pdf", args=[case.pk]) in page
    assert reverse("casefile:forms", args=[case.pk]) in page


def form_as_image(case, slug: str, *, fmt: str = "png", dpi: int = 150) -> bytes:
    """Page 1 of the printed form as a scanner or phone would give it: pixels only, no text
    layer (rendered by pdftoppm from poppler-utils, installed by ``make setup``)."""
    pdf = render_form_pdf(case, BY_SLUG[slug], case_url="http://testserver/cases/1/")
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "form.pdf"), Path(folder, "page")
        source.write_bytes(pdf)
        command = ["pdftoppm", "-f", "1", "-l", "1", "-r", str(dpi), "-png", "-singlefile"]
        subprocess.run([*command, str(source), str(target)], capture_output=True, check=True)
        pixels = Path(folder, "page.png").read_bytes()
    if fmt == "png":
        return pixels
    buffer = io.BytesIO()
    Image.open(io.BytesIO(pixels)).convert("RGB").save(buffer, format=fmt.upper(), quality=85)
    return buffer.getvalue()


def test_a_signed_form_photographed_or_scanned_to_an_image_is_matched_by_its_qr_code(demo, client):
    case = full_case(demo, scans=False)
    client.force_login(demo.user("clerk"))
    url = reverse("casefile:forms_upload", args=[case.pk])
    png = form_as_image(case, "authorisation")
    assert form_in_file(png, PNG) == (BY_SLUG["authorisation"], case.pk)
    response = client.post(url, {"file": SimpleUploadedFile("scan.png", png)}, follow=True)
    assert "已识别并归档" in response.content.decode()
    doc = Document.objects.get(case=case, kind=Document.Kind.AUTHORISATION)
    assert doc.title == "已签署家庭经济状况核对授权书" and doc.content_type == PNG

    # A phone photo: JPEG, turned sideways, smaller, filed as an ordinary document.
    photo = Image.open(io.BytesIO(form_as_image(case, "pledge", fmt="jpeg"))).rotate(
        90, expand=True
    )
    photo.thumbnail((1400, 1400))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=80)
    doc = upload(case, demo.user("clerk"), "IMG_0001.jpg", buffer.getvalue(), kind="other")
    assert doc.kind == Document.Kind.PLEDGE and doc.title == "已签署守信承诺书"

    # A scanner's image-only PDF (one JPEG per page, no text layer).
    page = Image.open(io.BytesIO(form_as_image(case, "review", fmt="jpeg")))
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=150)
    assert "表码" not in text_of(buffer.getvalue())
    response = client.post(
        url, {"file": SimpleUploadedFile("scan.pdf", buffer.getvalue())}, follow=True
    )
    assert "已识别并归档" in response.content.decode()
    assert Document.objects.filter(case=case, kind=Document.Kind.REVIEW_FORM).exists()


def test_an_image_of_another_cases_form_or_without_a_qr_code_is_refused(demo, client):
    case = full_case(demo, scans=False)
    other = full_case(demo, scans=False, name="赵大")
    client.force_login(demo.user("clerk"))
    url = reverse("casefile:forms_upload", args=[case.pk])
    foreign = form_as_image(other, "pledge", fmt="jpeg")
    page = client.post(url, {"file": SimpleUploadedFile("a.jpg", foreign)}, follow=True)
    assert "属于另一案件" in page.content.decode()
    plain = png_bytes((200, 200, 200))
    page = client.post(url, {"file": SimpleUploadedFile("b.png", plain)}, follow=True)
    assert "未能在文件中识别表码" in page.content.decode()
    # A QR code with a forged check digit is not a form.
    real = form_code(BY_SLUG["pledge"], case.pk)
    forged = real[:-4] + ("0000" if not real.endswith("0000") else "FFFF")
    buffer = io.BytesIO()
    segno.make(f"http://testserver/cases/1/#{forged}", error="m").save(buffer, kind="png", scale=6)
    assert form_in_file(buffer.getvalue(), PNG) is None
    assert not Document.objects.filter(case__in=[case, other]).exists()
