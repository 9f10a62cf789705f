"""The proof of training's number and the masked name its verification page shows."""

from datetime import date

import pytest

from app.courses.rules.proofs import is_well_formed, mask_name, proof_number


def test_a_number_is_the_year_the_id_and_four_random_digits():
    number = proof_number(date(2026, 12, 4), 12, 7391)
    assert number == "PX2026000000127391" and len(number) == 18
    assert is_well_formed(number)


@pytest.mark.parametrize(
    "bad", ["", "PX202600000012739", "px2026000000127391", "PX2026/0000127391"]
)
def test_other_shapes_are_not_numbers(bad):
    assert not is_well_formed(bad)


@pytest.mark.parametrize(("proof_id", "digits"), [(0, 1), (10**8, 1), (1, -1), (1, 10**4)])
def test_out_of_range_parts_are_refused(proof_id, digits):
    with pytest.raises(ValueError):
        proof_number(date(2026, 1, 1), proof_id, digits)


@pytest.mark.parametrize(
    ("name", "shown"),
    [("王五", "王*"), ("张小三", "张*三"), ("欧阳明月", "欧**月"), ("李", "李"), ("", "")],
)
def test_names_are_partly_hidden(name, shown):
    assert mask_name(name) == shown


# --- Chinese line-breaking and the file's name ----------------------------------------

from urllib.parse import unquote  # noqa: E402

from app.courses.rules.proofs import (  # noqa: E402
    NO_LINE_END,
    NO_LINE_START,
    char_width,
    content_disposition,
    wrap_cjk,
)

NOTE = (
    "学时按有效学习时间计算（每 60 分钟计 1 学时，保留一位小数）。本证明由平台根据学习记录"
    "自动生成，可通过扫码或访问 http://127.0.0.1:5000/verify/proof/PX2026000000127391 查验。"
)


def test_a_comma_that_would_open_a_line_takes_the_character_before_it():
    # 10 characters fit: 「…根据学习记录」 then 「，」 would open line 2.
    lines = wrap_cjk("兹证明本人已完成学习记录，特此证明。", 12)
    assert lines == ["兹证明本人已完成学习记", "录，特此证明。"]


@pytest.mark.parametrize("width", range(6, 60))
def test_no_line_opens_with_closing_or_ends_with_opening_punctuation(width):
    lines = wrap_cjk(NOTE, width)
    assert "".join(lines).replace(" ", "") == NOTE.replace(" ", "")
    for line in lines:
        assert line and line[0] not in NO_LINE_START, (width, lines)
        assert line[-1] not in NO_LINE_END, (width, lines)


@pytest.mark.parametrize("width", [8, 14, 40])
def test_lines_fit_the_width_but_for_hanging_punctuation(width):
    for line in wrap_cjk(NOTE * 2, width):
        assert sum(char_width(ch) for ch in line) <= width + 1


def test_latin_words_stay_whole_when_they_fit():
    lines = wrap_cjk("请访问 https://example.org/verify 查验证明", 20)
    assert any("https://example.org/verify" in line for line in lines)


def test_the_file_is_named_after_the_person_and_the_date():
    header = content_disposition("张 三", date(2026, 12, 4), "PX2026000000127391")
    assert header.startswith('inline; filename="training-proof-PX2026000000127391-2026-12-04.pdf"')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "培训证明-张三-2026-12-04.pdf"
    assert header.isascii()


def test_a_name_cannot_smuggle_a_path_or_quote_into_the_header():
    header = content_disposition('a/b"\\c', date(2026, 1, 2), "PX2026000000000011234")
    assert unquote(header.split("''", 1)[1]) == "培训证明-abc-2026-01-02.pdf"
