"""Names on the public verification page show only their first and last characters."""

import pytest

from certificates.rules.masking import mask_name


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("张三", "张*"),
        ("张小三", "张*三"),
        ("欧阳娜娜", "欧**娜"),
        ("王", "王"),
        (" 李四 ", "李*"),
        ("", ""),
    ],
)
def test_only_the_first_and_last_characters_are_shown(name, shown):
    assert mask_name(name) == shown
