"""The pass rule of a certification batch: part scores out of 100, every part passes."""

from fractions import Fraction

import pytest

from certificates.rules.passing import (
    PassMarks,
    Scores,
    counted_parts,
    failed_parts,
    item_mark,
    part_score,
    passes,
    theory_score,
    why_failed,
)

DEFAULT = PassMarks()


def test_an_item_combines_its_assessors_marks_as_competitions_do():
    assert item_mark([], "mean") is None
    assert item_mark([1000, 1500], "mean") == Fraction(1250)
    assert item_mark([1000, 1500], "single") == 1500  # the latest
    assert item_mark([0, 1000, 1100, 1200, 3000], "trimmed_mean") == Fraction(1100)


def test_a_part_scores_its_items_out_of_100():
    assert part_score([(4000, 3000), (6000, Fraction(9001, 2))]) == 7501  # 75.005 half up
    assert part_score([(5000, 5000), (5000, 5000)]) == 10000


def test_a_part_of_fewer_than_100_points_still_scores_out_of_100():
    assert part_score([(4000, 2000), (4000, 4000)]) == 7500


def test_a_part_with_an_unmarked_item_or_no_items_has_no_score():
    assert part_score([(5000, 5000), (5000, None)]) is None
    assert part_score([]) is None


def test_the_theory_score_is_the_exam_percentage_in_centipoints():
    assert theory_score(None) is None
    assert theory_score(Fraction(200, 3)) == 6667
    assert theory_score(60) == 6000
    with pytest.raises(ValueError):
        theory_score(101)


def test_every_part_must_reach_its_pass_mark():
    assert passes(Scores(6000, 6000), DEFAULT, level=4)
    assert not passes(Scores(5999, 9000), DEFAULT, level=4)
    assert not passes(Scores(9000, 5999), DEFAULT, level=4)
    assert failed_parts(Scores(5000, 5000), DEFAULT, level=4) == ["theory", "practical"]


def test_the_review_counts_only_for_levels_two_and_one():
    assert counted_parts(3) == ("theory", "practical")
    assert counted_parts(2) == ("theory", "practical", "review")
    assert passes(Scores(7000, 7000, None), DEFAULT, level=3)
    assert not passes(Scores(7000, 7000, None), DEFAULT, level=2)
    assert not passes(Scores(7000, 7000, 5900), DEFAULT, level=1)
    assert passes(Scores(7000, 7000, 6000), DEFAULT, level=1)


def test_a_missing_score_fails_and_the_batch_pass_marks_apply():
    assert not passes(Scores(None, 9000), DEFAULT, level=5)
    strict = PassMarks(theory=7000, practical=8000)
    assert not passes(Scores(7500, 7900), strict, level=5)
    assert why_failed(Scores(7500, 7900), strict, level=5) == "操作技能考核未达合格线"
    assert why_failed(Scores(7500, 8000), strict, level=5) == ""
