import datetime

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from cases.intake import idnumbers


def test_the_reference_valid_number_is_accepted_with_birth_date_and_sex():
    info = idnumbers.parse_id_number("11010519491231002X")
    assert info.birth_date == datetime.date(1949, 12, 31)
    assert info.sex == "F"


def test_lowercase_x_and_spaces_are_normalised():
    assert idnumbers.parse_id_number(" 11010519491231002x ").number == "11010519491231002X"


def test_the_reference_invalid_number_is_refused_for_its_check_character():
    with pytest.raises(ValidationError) as exc:
        idnumbers.parse_id_number("130402198207290622")
    assert exc.value.messages == ["身份证号校验码错误，请核对后重新输入"]


@pytest.mark.parametrize(
    "number,message",
    [
        ("1101051949123100", "身份证号应为18位"),
        ("11010519491231002Y", "前17位须为数字"),
        ("110105194902300021", "出生日期不存在"),
        ("99010519491231002X", "省级行政区划代码"),
    ],
)
def test_malformed_numbers_get_a_chinese_reason(number, message):
    with pytest.raises(ValidationError) as exc:
        idnumbers.parse_id_number(number)
    assert message in exc.value.messages[0]


def test_a_birth_date_in_the_future_is_refused():
    body = "34052120991231001"
    with pytest.raises(ValidationError) as exc:
        idnumbers.parse_id_number(
            body + ric.calc_check_digit(body + "0"), today=datetime.date(2026, 1, 1)
        )
    assert "晚于今天" in exc.value.messages[0]


def test_cross_check_reports_sex_and_birth_date_that_disagree_with_the_number():
    info = idnumbers.parse_id_number("11010519491231002X")
    errors = idnumbers.cross_check(info, sex="M", birth_date=datetime.date(1950, 1, 1))
    assert "女" in errors["sex"] and "1949-12-31" in errors["birth_date"]
    assert idnumbers.cross_check(info, sex="F", birth_date=datetime.date(1949, 12, 31)) == {}


def test_age_counts_from_the_birthday():
    assert idnumbers.age_on(datetime.date(1966, 5, 17), datetime.date(2026, 5, 16)) == 59
    assert idnumbers.age_on(datetime.date(1966, 5, 17), datetime.date(2026, 5, 17)) == 60
