"""Certificate numbers: one letter, then 21 digits (organisation, province, site, year,
level, serial); and the level a promoted competition winner is certified at."""

import pytest

from certificates.rules import numbering
from certificates.rules.promotion import level_in_name, promoted_level

SETTINGS = {"letter": "S", "organisation": "000123", "province": "13", "site": "0001"}


def test_a_number_is_the_configured_parts_then_year_level_and_serial():
    prefix = numbering.prefix(SETTINGS, 2026, 4)
    assert prefix == "S" + "000123" + "13" + "0001" + "26" + "4"
    assert numbering.number(prefix, 57) == "S000123130001264000057"
    assert len(numbering.number(prefix, 57)) == 22


def test_numbers_follow_the_last_serial_in_order():
    prefix = numbering.prefix(SETTINGS, 2026, 3)
    assert numbering.numbers(prefix, 9, 3) == [
        prefix + "000010",
        prefix + "000011",
        prefix + "000012",
    ]


def test_parse_gives_back_the_parts():
    parts = numbering.parse("S000123130001264000057")
    assert parts == numbering.NumberParts("S", "000123", "13", "0001", 26, 4, 57)


@pytest.mark.parametrize(
    "value",
    [
        "S00012313000126400005",  # 20 digits
        "S0001231300012640000570",  # 22 digits
        "s000123130001264000057",  # lower-case letter
        "1000123130001264000057",  # no letter
        "S000123130001266000057",  # level 6
        "S000123130001260000057",  # level 0
        "S000123130001264000000",  # serial 0
        "S00012313000126400005٧",  # an Arabic-Indic digit
        " S000123130001264000057",
        "",
        None,
    ],
)
def test_anything_else_is_not_well_formed(value):
    assert not numbering.is_well_formed(value)
    assert numbering.parse(value) is None


def test_a_well_formed_number_is_recognised():
    assert numbering.is_well_formed("S000123130001264000057")


@pytest.mark.parametrize(
    "settings",
    [
        {**SETTINGS, "letter": "SS"},
        {**SETTINGS, "letter": "1"},
        {**SETTINGS, "organisation": "12345"},
        {**SETTINGS, "province": "1A"},
        {**SETTINGS, "site": "00001"},
        {k: v for k, v in SETTINGS.items() if k != "site"},
    ],
)
def test_settings_out_of_the_format_are_refused(settings):
    with pytest.raises(ValueError):
        numbering.prefix(settings, 2026, 4)


@pytest.mark.parametrize("year, level", [(1999, 4), (2100, 4), (2026, 0), (2026, 6)])
def test_year_and_level_are_bounded(year, level):
    with pytest.raises(ValueError):
        numbering.prefix(SETTINGS, year, level)


def test_serials_stop_at_six_digits():
    prefix = numbering.prefix(SETTINGS, 2026, 4)
    assert numbering.number(prefix, numbering.MAX_SERIAL).endswith("999999")
    with pytest.raises(ValueError):
        numbering.number(prefix, numbering.MAX_SERIAL + 1)
    with pytest.raises(ValueError):
        numbering.numbers(prefix, numbering.MAX_SERIAL - 1, 2)


def test_a_promoted_winner_goes_one_level_up_from_the_highest_held():
    assert promoted_level([4]) == 3
    assert promoted_level([5, 3, 4]) == 2
    assert promoted_level([]) == 4  # nothing held: 四级/中级工
    assert promoted_level([1]) is None  # nothing above 一级


@pytest.mark.parametrize(
    "name, level",
    [
        ("物业管理员四级", 4),
        ("物业管理员（三级/高级工）", 3),
        ("物业管理员 高级技师", 1),
        ("物业管理员技师", 2),
        ("物业管理员中级工", 4),
        ("电工四级", None),  # another occupation
        ("物业管理员证书", None),  # no level
    ],
)
def test_the_level_is_read_from_another_issuers_certificate_name(name, level):
    assert level_in_name(name, "物业管理员") == level
