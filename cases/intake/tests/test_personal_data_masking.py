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
