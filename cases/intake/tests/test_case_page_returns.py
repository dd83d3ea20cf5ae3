"""The case page is where a case is worked: an upload or a check request made from its sections
comes back to the case page (from=case), the same action from the intake page to the intake
page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.intake.tests.helpers import application
from tests.uploads import png_bytes

pytestmark = pytest.mark.django_db


def test_the_case_pages_sections_post_back_to_the_case_page(demo, client):
    clerk = demo.user("clerk")
    case = application(clerk)
    client.force_login(clerk)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    start = page.index('data-testid="upload-form"')
    assert 'name="from" value="case"' in page[start : page.index("</form>", start)]
    intake = client.get(reverse("cases:intake", args=[case.pk])).content.decode()
    assert 'name="from" value="case"' not in intake

    upload = {"kind": "id_card", "file": SimpleUploadedFile("id.png", png_bytes())}
    response = client.post(
        reverse("cases:document_upload", args=[case.pk]), {**upload, "from": "case"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk]) + "#documents"
    assert case.documents.count() == 1

    upload = {"kind": "id_card", "file": SimpleUploadedFile("id2.png", png_bytes())}
    response = client.post(reverse("cases:document_upload", args=[case.pk]), upload)
    assert response["Location"] == reverse("cases:intake", args=[case.pk]) + "#documents"
