"""分类施保 worked examples (standard 790 元, rounding to the yuan)."""

from decimal import Decimal

import pytest

from funds.standards import calculators as calc

STD = Decimal("790")
GRANDMA = calc.AddonFacts(name="王奶奶", age=82, disability_grade=2)
CHILD = calc.AddonFacts(name="王小明", age=9)
FATHER = calc.AddonFacts(name="王大强", age=45)


def test_no_settings_means_no_add_on():
    assert calc.category_addons(members=[GRANDMA], rules=calc.AddonRules(), standard=STD) == (
        Decimal("0"),
        [],
    )


def test_percentages_of_the_standard_highest_only():
    rules = calc.AddonRules(
        elderly=Decimal("10"), disabled_severe=Decimal("20"), minor=Decimal("15")
    )
    total, steps = calc.category_addons(members=[GRANDMA, CHILD, FATHER], rules=rules, standard=STD)
    # grandma: elderly 79.00 and severe disability 158.00 → the higher, 158.00; child 118.50
    assert total == Decimal("277.00")  # 276.50 rounded half up to the yuan
    assert "王奶奶（年满60周岁老年人、2级重度残疾人）加发 标准790.00元×20%=158.00元" in steps[0]
    assert "就高计发一项" in steps[0]
    assert "王小明（未满18周岁未成年人）加发 标准790.00元×15%=118.50元" in steps[1]
    assert steps[-1].startswith("分类施保加发合计 276.50元")


def test_fixed_amounts_summed():
    rules = calc.AddonRules(
        basis="fixed", combine="sum", elderly=Decimal("50"), disabled_severe=Decimal("80")
    )
    total, steps = calc.category_addons(members=[GRANDMA, FATHER], rules=rules, standard=STD)
    assert total == Decimal("130.00")
    assert "50.00元 + 80.00元 = 130.00元" in steps[0]


def test_amounts_must_be_decimal():
    with pytest.raises(TypeError):
        calc.category_addons(
            members=[GRANDMA], rules=calc.AddonRules(elderly=Decimal("1")), standard=790.0
        )
