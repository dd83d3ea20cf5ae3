"""Public names (公示, 长期公示): the surname kept, the rest masked, for names of one to four
characters and compound surnames such as 欧阳 (A Art.24, F §4(2)); the rule is a policy
setting (``notice_mask_rule``)."""

import pytest

from relief.masking import MASK_RULE_CHOICES, mask_name, surname_of
from relief.policy import KEY_BY_NAME


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张", "张*"),  # one character: still masked, never shown whole
        ("王芳", "王*"),
        ("张三丰", "张**"),
        ("爱新觉罗", "爱***"),  # four characters, no compound surname
        ("欧阳锋", "欧阳*"),
        ("欧阳娜娜", "欧阳**"),
        ("司马光", "司马*"),
        ("欧阳", "欧*"),  # two characters only: 欧 is the surname, 阳 the given name
        (" 李 四 ", "李*"),  # spaces typed inside or around a name are not characters
        ("", "*"),
    ],
)
def test_the_surname_is_kept_and_every_other_character_masked(name, masked):
    assert mask_name(name) == masked
    assert mask_name(name, "stars") == masked


@pytest.mark.parametrize("name", ["张", "王芳", "张三丰", "爱新觉罗", "欧阳娜娜"])
def test_a_masked_name_never_equals_or_contains_the_whole_name(name):
    for rule, _label in MASK_RULE_CHOICES:
        masked = mask_name(name, rule)
        assert masked != name and masked.endswith("*")
        assert masked.startswith(surname_of(name))
        if len(name) > 1:  # a one-character name is all surname
            assert name not in masked


def test_the_other_rules_hide_the_length_of_the_given_name():
    assert [mask_name(n, "one_star") for n in ("张", "张三丰", "欧阳娜娜")] == [
        "张*",
        "张*",
        "欧阳*",
    ]
    assert [mask_name(n, "fixed_two") for n in ("张", "王芳", "爱新觉罗", "欧阳锋")] == [
        "张**",
        "王**",
        "爱**",
        "欧阳**",
    ]


def test_compound_surnames_count_only_when_the_name_is_longer_than_them():
    assert surname_of("欧阳修") == "欧阳" and surname_of("诸葛亮") == "诸葛"
    assert surname_of("欧阳") == "欧"
    assert surname_of("欧丽") == "欧"


def test_the_rule_is_a_policy_setting_with_the_stars_default():
    key = KEY_BY_NAME["notice_mask_rule"]
    assert key.default == "stars"
    assert {value for value, _ in MASK_RULE_CHOICES} == {"stars", "one_star", "fixed_two"}
