"""ID numbers are masked by default in the intake API and on the household and
near-relative pages."""

from cases.intake.serializers import MaskedIdNumberField
from cases.templatetags.personal_data import id_mask

NUMBER = "34052119800101123X"


def test_the_api_field_masks_an_id_number():
    assert MaskedIdNumberField().to_representation(NUMBER) == "3405**********123X"


def test_the_template_filter_masks_an_id_number_and_leaves_blank_blank():
    assert id_mask(NUMBER) == "3405**********123X"
    assert id_mask("") == ""
    assert id_mask(None) == ""


def test_the_edit_history_masks_an_id_number_on_the_page_and_in_the_api(demo, client):
    """A corrected ID number after 受理 is recorded in full (the chained log), but the
    history shows it masked on the intake page and in the API."""
    import datetime

    from django.urls import reverse
    from rest_framework.test import APIClient

    from cases.intake.idnumbers import CHANGE_LABEL, mask
    from cases.intake.services.household import member_save
    from cases.intake.tests.helpers import SPOUSE_ID, accepted, application, member
    from cases.models import HouseholdEdit, Member
    from tests.factories import make_id_number

    assert CHANGE_LABEL == Member._meta.get_field("id_number").verbose_name
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)
    corrected = make_id_number(birth=datetime.date(1961, 8, 3), male=False, seq=14)
    member_save(
        case=case,
        actor=clerk,
        member=case.household.members.get(relation="spouse"),
        data=member("李秀兰", corrected, "spouse"),
    )
    edit = HouseholdEdit.objects.get(case=case)
    assert edit.changes[CHANGE_LABEL] == [SPOUSE_ID, corrected]  # the record keeps both

    client.force_login(clerk)
    page = client.get(reverse("cases:intake", args=[case.pk])).content.decode()
    history = page[page.index('data-testid="household-edits"') :]
    history = history[: history.index("</ul>")]
    assert mask(SPOUSE_ID) in history and mask(corrected) in history
    assert SPOUSE_ID not in page and corrected not in page

    api = APIClient()
    api.force_authenticate(clerk)
    body = api.get(f"/api/intake/cases/{case.pk}/").json()
    assert body["edits"][0]["changes"][CHANGE_LABEL] == [mask(SPOUSE_ID), mask(corrected)]
    assert SPOUSE_ID not in str(body) and corrected not in str(body)
