"""Identity numbers, credit codes and phone numbers."""

from datetime import date

import pytest

from app.orgs.rules.identity import (
    CREDIT_CODE_CHARSET,
    birth_date_from_id,
    credit_code_check_char,
    credit_code_problem,
    id_number_check_char,
    id_number_problem,
    mask_id_number,
    normalise_credit_code,
    normalise_id_number,
    normalise_phone,
    phone_problem,
)

TODAY = date(2024, 6, 30)
GB_EXAMPLE = "11010519491231002X"


def valid_id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


HEBEI_ID = valid_id("13010219900307123")


# --- identity numbers ------------------------------------------------------------------


def test_gb_example_is_valid():
    assert id_number_check_char(GB_EXAMPLE[:17]) == "X"
    assert id_number_problem(GB_EXAMPLE, TODAY) is None


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),
        ("13010219900307123", "3"),
        ("13010520000229002", "5"),
    ],
)
def test_check_characters(first17, check):
    # Worked by hand from the weights, independently of the implementation.
    assert id_number_check_char(first17) == check
    assert id_number_problem(first17 + check, TODAY) is None


def test_second_gb_example_has_right_check_char_but_too_early_a_birth_year():
    assert id_number_check_char("44052418800101001") == "4"
    assert "出生日期" in id_number_problem("440524188001010014", TODAY)


def test_hebei_id_is_valid_and_other_check_chars_are_not():
    assert HEBEI_ID == "130102199003071233"
    assert id_number_problem(HEBEI_ID, TODAY) is None
    for wrong in "0123456789X".replace(HEBEI_ID[-1], ""):
        assert "校验位错误" in id_number_problem(HEBEI_ID[:17] + wrong, TODAY)


@pytest.mark.parametrize("first17", ["1301021990030712", "1301021990030712A", ""])
def test_check_char_needs_17_digits(first17):
    with pytest.raises(ValueError):
        id_number_check_char(first17)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        ("130102900307123", "18 位身份证号"),
        ("13010219900307123", "当前为 17 位"),
        ("1301021990030712334", "当前为 19 位"),
        ("13010219900307A233", "无效字符"),
        ("13010219900307123x", "无效字符"),
        ("X30102199003071233", "无效字符"),
        (valid_id("10010219900307123"), "省级行政区划代码"),
        (valid_id("20010219900307123"), "省级行政区划代码"),
        (valid_id("99010219900307123"), "省级行政区划代码"),
        (valid_id("13010219900230123"), "出生日期"),
        (valid_id("13010219901307123"), "出生日期"),
        (valid_id("13010218991231123"), "出生日期"),
        (valid_id("13010220240701123"), "晚于今天"),
        ("130102199003071234", "校验位错误"),
    ],
)
def test_bad_id_numbers(value, fragment):
    problem = id_number_problem(value, TODAY)
    assert problem is not None
    assert fragment in problem


@pytest.mark.parametrize("code", ["71", "81", "82", "83", "65", "50", "13"])
def test_special_province_codes_are_accepted(code):
    assert id_number_problem(valid_id(code + "010219900307123"), TODAY) is None


def test_born_today_is_accepted():
    assert id_number_problem(valid_id("13010220240630123"), TODAY) is None


@pytest.mark.parametrize(
    "raw",
    [
        "１３０１０２１９９００３０７１２３３",
        " 130102 19900307 1233 ",
        "130102\u300019900307\u30001233",
        "\t130102199003071233\n",
        "\u200b130102199003071233\ufeff",
    ],
)
def test_normalise_id_number_accepts_full_width_and_spaces(raw):
    assert normalise_id_number(raw) == HEBEI_ID
    assert id_number_problem(normalise_id_number(raw), TODAY) is None


def test_normalise_id_number_upper_cases_x():
    assert normalise_id_number("11010519491231002x") == GB_EXAMPLE
    assert normalise_id_number("11010519491231002ｘ") == GB_EXAMPLE
    assert normalise_id_number(None) == ""


def test_mask_and_birth_date():
    assert mask_id_number("130102199003071234") == "130102********1234"
    assert mask_id_number(GB_EXAMPLE) == "110105********002X"
    assert mask_id_number("123") == "***"
    assert birth_date_from_id(GB_EXAMPLE) == date(1949, 12, 31)
    assert birth_date_from_id(HEBEI_ID) == date(1990, 3, 7)
    with pytest.raises(ValueError):
        birth_date_from_id("130102199002301233")
    with pytest.raises(ValueError):
        birth_date_from_id("1301021990")


# --- unified social credit codes -------------------------------------------------------

GB_CREDIT_EXAMPLE = "91350100M000100Y43"


def test_gb_credit_code_example_is_valid():
    assert credit_code_check_char(GB_CREDIT_EXAMPLE[:17]) == "3"
    assert credit_code_problem(GB_CREDIT_EXAMPLE) is None


def test_computed_credit_code_is_valid():
    first17 = "91130104MA07RBTK1"
    code = first17 + credit_code_check_char(first17)
    assert credit_code_problem(code) is None


def test_every_single_character_change_is_caught():
    for position in range(18):
        for replacement in CREDIT_CODE_CHARSET:
            if replacement == GB_CREDIT_EXAMPLE[position]:
                continue
            changed = GB_CREDIT_EXAMPLE[:position] + replacement + GB_CREDIT_EXAMPLE[position + 1 :]
            assert credit_code_problem(changed) is not None, changed


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_forbidden_letters(letter):
    code = GB_CREDIT_EXAMPLE[:8] + letter + GB_CREDIT_EXAMPLE[9:]
    problem = credit_code_problem(code)
    assert "无效字符" in problem
    assert letter in problem
    with pytest.raises(ValueError):
        credit_code_check_char(code[:17])


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        ("91350100M000100Y4", "当前为 17 位"),
        ("91350100M000100Y433", "当前为 19 位"),
        ("91350100m000100y43", "无效字符"),
        ("91350100M000100Y4-", "无效字符"),
        ("91350100M000100Y44", "校验位错误"),
    ],
)
def test_bad_credit_codes(value, fragment):
    assert fragment in credit_code_problem(value)


def test_division_code_must_be_digits():
    first17 = "913A0100M000100Y4"
    code = first17 + credit_code_check_char(first17)
    assert "行政区划代码" in credit_code_problem(code)


def test_normalise_credit_code():
    assert normalise_credit_code(" ９１３５０１００ｍ０００１００ｙ４３\u3000") == GB_CREDIT_EXAMPLE
    assert normalise_credit_code(None) == ""


# --- phone numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        " 138 1234 5678 ",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+86-13812345678",
        "8613812345678",
        "008613812345678",
        "１３８１２３４５６７８",
        "138\u30001234\u30005678",
        13812345678,
        13812345678.0,
    ],
)
def test_normalise_phone(raw):
    assert normalise_phone(raw) == "13812345678"
    assert phone_problem(normalise_phone(raw)) is None


def test_normalise_phone_keeps_86_when_not_a_prefix():
    assert normalise_phone("86123456") == "86123456"
    assert normalise_phone(None) == ""


@pytest.mark.parametrize(
    "value", ["12812345678", "1381234567", "138123456789", "031112345678", "1381234567a"]
)
def test_bad_phones(value):
    assert "手机号格式不正确" in phone_problem(value)


def test_empty_phone():
    assert phone_problem("") == "手机号不能为空"
