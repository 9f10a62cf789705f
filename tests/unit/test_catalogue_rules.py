"""Catalogue rules: a course whose lessons cannot add up to its hours; chapter headings."""

import pytest

from app.courses.rules.catalogue import chapter_heading, content_problem, publish_problems
from app.demo.courses import lesson_seconds


def test_lessons_that_add_up_to_the_hours_are_fine():
    assert content_problem([2700, 2700, 1800], 2 * 3600) is None
    assert content_problem([3600, 3600], 2 * 3600) is None


def test_lessons_short_of_the_hours_are_named_with_both_figures():
    problem = content_problem([300, 300, 300], 16 * 3600)
    assert problem.startswith("各课时的学习时长合计 0.3 学时，少于要求的 16.0 学时")


def test_no_lessons_or_no_hours_are_other_problems():
    assert content_problem([], 3600) is None
    assert content_problem([0], 0) is None
    assert publish_problems(0, 3600, []) == ["课程还没有任何课时，请先添加章节和课时"]


def test_publish_problems_include_short_content():
    problems = publish_problems(2, 3 * 3600, [600, 600])
    assert len(problems) == 1 and "少于要求的 3.0 学时" in problems[0]
    assert publish_problems(2, 3600, [1800, 1800]) == []


@pytest.mark.parametrize(
    "title,number,shown",
    [
        ("服务管理", 2, "第 2 章　服务管理"),
        ("第一章 概述", 1, "第一章 概述"),
        ("第一章", 1, "第一章"),
        ("第 3 章 消防", 3, "第 3 章 消防"),
        ("第十二章　附则", 12, "第十二章　附则"),
        ("第一节 概述", 1, "第 1 章　第一节 概述"),
        ("  项目承接 ", 1, "第 1 章　项目承接"),
    ],
)
def test_a_chapter_is_numbered_once(title, number, shown):
    assert chapter_heading(title, number) == shown


@pytest.mark.parametrize(
    "required,lessons,extras", [(4 * 3600, 4, 0), (2 * 3600, 2, 1800), (3600, 3, 0), (7200, 7, 0)]
)
def test_demo_lessons_add_up_to_the_hours_in_whole_minutes(required, lessons, extras):
    each = lesson_seconds(required, lessons, extras)
    assert each % 60 == 0
    assert each * lessons + extras >= required
    assert (each - 60) * lessons + extras < required  # not a minute more than needed
