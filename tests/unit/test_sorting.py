"""The order of names in lists: pinyin for Chinese, numbers by value."""

from app.sorting import sort_key


def test_chinese_sorts_by_pinyin_and_numbers_by_value():
    names = ["张三", "trainee10", "阿明", "北京物业", "trainee2", "trainee1", "赵六"]
    assert sorted(names, key=sort_key) == [
        "trainee1",
        "trainee2",
        "trainee10",
        "阿明",
        "北京物业",
        "张三",
        "赵六",
    ]


def test_different_names_never_compare_equal():
    assert sort_key("张三") != sort_key("章三")
