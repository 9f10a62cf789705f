"""Eligibility for a certification batch (报考条件): certificates held, years on duty."""

from datetime import date

import pytest

from certificates.rules.eligibility import (
    DutySpell,
    HeldCertificate,
    Requirement,
    add_years,
    describe,
    duty_days,
    level_in_name,
    lower_level_since,
    post_fits,
    problem,
)

TODAY = date(2026, 12, 4)
THIRD = Requirement(occupation="物业管理员", level=3, years_at_lower_level=2)


def ours(level=4, issued_on=date(2024, 12, 4), occupation="物业管理员", **kw):
    return HeldCertificate(issued_on=issued_on, occupation=occupation, level=level, **kw)


def check(requirement=THIRD, certificates=(), spells=(), post="project_manager"):
    return problem(
        requirement,
        certificates=list(certificates),
        spells=list(spells),
        post=post,
        today=TODAY,
    )


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("物业管理员四级", 4),
        ("物业管理员（四级/中级工）", 4),
        ("物业管理员 中级", 4),
        ("物业管理员高级工", 3),
        ("物业管理员技师", 2),
        ("物业管理员高级技师", 1),
        ("物业管理员 3级", 3),
        ("物业管理员五级/初级工", 5),
        ("电工四级", None),  # another occupation
        ("物业管理员", None),  # no level named
        ("", None),
    ],
)
def test_levels_are_read_from_certificate_names(name, level):
    assert level_in_name(name, "物业管理员") == level


def test_no_rule_lets_everyone_in():
    assert check(Requirement(occupation="物业管理员", level=4)) is None
    assert describe(Requirement(occupation="物业管理员", level=4)) == "在职人员均可报名"


def test_the_level_below_held_long_enough_qualifies():
    assert check(certificates=[ours(issued_on=date(2024, 12, 4))]) is None


def test_the_level_below_held_one_day_too_short_is_refused_with_the_date():
    message = check(certificates=[ours(issued_on=date(2024, 12, 5))])
    assert message is not None
    assert "四级证书取得于 2024-12-05，不满 2 年" in message


def test_another_level_or_occupation_does_not_count():
    message = check(certificates=[ours(level=5), ours(occupation="电工"), ours(level=3)])
    assert "未查到本职业（物业管理员）四级证书" in message


def test_revoked_or_expired_certificates_are_no_longer_held():
    revoked = ours(revoked_on=date(2025, 1, 1))
    expired = HeldCertificate(
        issued_on=date(2020, 1, 1), name="物业管理员四级", expires_on=date(2026, 1, 1)
    )
    assert check(certificates=[revoked, expired]) is not None


def test_another_issuers_certificate_counts_by_its_name():
    external = HeldCertificate(issued_on=date(2020, 5, 1), name="物业管理员（中级工）")
    assert check(certificates=[external]) is None
    assert lower_level_since([external], "物业管理员", 3, TODAY) == date(2020, 5, 1)


def test_years_in_post_add_up_spells_counting_overlaps_once():
    spells = [
        DutySpell(date(2020, 1, 1), date(2021, 1, 1)),  # 366 days
        DutySpell(date(2020, 6, 1), date(2021, 6, 1)),  # overlaps: 151 new days
        DutySpell(date(2026, 12, 1)),  # on duty: 3 days to today
    ]
    assert duty_days(spells, TODAY) == 366 + 151 + 3


def test_a_spell_starting_in_the_future_counts_nothing():
    assert duty_days([DutySpell(date(2027, 1, 1))], TODAY) == 0


def test_years_in_post_qualify_in_a_fitting_post_only():
    five = Requirement(occupation="物业管理员", level=3, years_in_post=5)
    spells = [DutySpell(date(2021, 12, 1))]
    assert check(five, spells=spells, post="project_manager") is None
    assert "现岗位与本职业不对应" in check(five, spells=spells, post="security")
    short = check(five, spells=[DutySpell(date(2023, 12, 4))])
    assert "累计在岗 3 年" in short and "不满 5 年" in short


def test_either_rule_suffices_when_both_are_set():
    both = Requirement(occupation="物业管理员", level=3, years_at_lower_level=2, years_in_post=5)
    assert check(both, spells=[DutySpell(date(2015, 1, 1))]) is None
    assert check(both, certificates=[ours()]) is None
    message = check(both, spells=[DutySpell(date(2025, 1, 1))])
    rule = "取得本职业四级证书满 2 年，或累计从事本职业工作满 5 年"
    assert message.startswith(f"不符合报考条件（{rule}）")
    assert "未查到" in message and "累计在岗 1 年 11 个月" in message


def test_an_occupation_without_a_post_list_fits_every_post():
    assert post_fits("中式烹调师", "other")
    assert not post_fits("保安员", "cleaning")


def test_adding_years_to_the_29th_of_february():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
