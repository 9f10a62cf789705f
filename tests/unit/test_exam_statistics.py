"""Item analysis checked against values worked out by hand for a small exam.

Five attempts, four questions (centipoints; max 100, 100, 100, 200):

    attempt   q1   q2   q3   q4   total
    1        100  100    0  200     400
    2        100  100    0  100     300
    3        100  100  100  100     400
    4          0  100  100    0     200
    5          0  100  100    0     200

q1 separates strong from weak candidates, q2 everyone gets right (zero variance), q3 the weak
candidates get right and the strong ones wrong (negative discrimination).
"""

import math

import pytest

from exams.rules import statistics as stats_module
from exams.rules.statistics import (
    QuestionStats,
    TestStats,
    option_frequencies,
    question_stats,
)

MARKS = [
    [100, 100, 0, 200],
    [100, 100, 0, 100],
    [100, 100, 100, 100],
    [0, 100, 100, 0],
    [0, 100, 100, 0],
]
MAX_MARKS = [100, 100, 100, 200]


@pytest.fixture
def stats() -> list[QuestionStats]:
    return question_stats(MARKS, MAX_MARKS)


def test_facility_is_the_mean_mark_over_the_max_mark(stats):
    # q1: 300 / 5 = 60 of 100; q2: 100 of 100; q3: 60 of 100; q4: 400 / 5 = 80 of 200.
    assert [s.facility for s in stats] == pytest.approx([0.6, 1.0, 0.6, 0.4])
    assert [s.index for s in stats] == [0, 1, 2, 3]


def test_sd_is_the_sample_sd_over_the_max_mark(stats):
    # q1 deviations from 60: 40, 40, 40, -60, -60 → squares 1600 × 3 + 3600 × 2 = 12000.
    # q4 deviations from 80: 120, 20, 20, -80, -80 → 14400 + 400 + 400 + 6400 + 6400 = 28000.
    assert stats[0].sd == pytest.approx(math.sqrt(12000 / 4) / 100)
    assert stats[1].sd == 0
    assert stats[2].sd == pytest.approx(math.sqrt(12000 / 4) / 100)
    assert stats[3].sd == pytest.approx(math.sqrt(28000 / 4) / 200)


def test_discrimination_correlates_with_the_rest_of_the_test(stats):
    # q1: rest = 300, 200, 300, 200, 200 (mean 240) → deviations 60, -40, 60, -40, -40.
    #     Σ dq·dr = 40·60 − 40·40 + 40·60 + 60·40 + 60·40 = 8000; Σ dr² = 12000.
    assert stats[0].discrimination == pytest.approx(8000 / math.sqrt(12000 * 12000))
    # q3: deviations -60, -60, 40, 40, 40; rest = 400, 300, 300, 100, 100 (mean 240)
    #     → 160, 60, 60, -140, -140.  Σ dq·dr = -9600 − 3600 + 2400 − 5600 − 5600 = -22000;
    #     Σ dr² = 25600 + 3600 + 3600 + 19600 + 19600 = 72000.
    assert stats[2].discrimination == pytest.approx(-22000 / math.sqrt(12000 * 72000))
    # q4: rest = 200, 200, 300, 200, 200 (mean 220) → -20, -20, 80, -20, -20.
    #     Σ dq·dr = -2400 − 400 + 1600 + 1600 + 1600 = 2000; Σ dr² = 400 × 4 + 6400 = 8000.
    assert stats[3].discrimination == pytest.approx(2000 / math.sqrt(28000 * 8000))


def test_a_question_everyone_gets_right_has_no_discrimination(stats):
    assert stats[1].discrimination is None
    assert stats[1].efficiency is None
    assert stats[1].negative is False


def test_negative_discrimination_is_flagged(stats):
    assert stats[2].discrimination == pytest.approx(-0.7485, abs=1e-4)
    assert [s.negative for s in stats] == [False, False, True, False]


def test_efficiency_compares_with_the_best_ordering_of_the_same_marks(stats):
    # q1 sorted 0, 0, 100, 100, 100 (dev -60, -60, 40, 40, 40) against rest sorted
    #     200, 200, 200, 300, 300 (dev -40, -40, -40, 60, 60): 2400 + 2400 − 1600 + 2400 + 2400
    #     = 8000, the covariance it already has: as efficient as it can be.
    assert stats[0].efficiency == pytest.approx(1.0)
    # q3 sorted dev -60, -60, 40, 40, 40 against rest sorted 100, 100, 300, 300, 400
    #     (dev -140, -140, 60, 60, 160): 8400 + 8400 + 2400 + 2400 + 6400 = 28000.
    assert stats[2].efficiency == pytest.approx(-22000 / 28000)
    # q4 sorted 0, 0, 100, 100, 200 (dev -80, -80, 20, 20, 120) against rest sorted
    #     200, 200, 200, 200, 300 (dev -20, -20, -20, -20, 80): 1600 + 1600 − 400 − 400 + 9600.
    assert stats[3].efficiency == pytest.approx(2000 / 12000)


def test_test_statistics_describe_the_totals():
    result = stats_module.test_stats(MARKS)
    # Totals 400, 300, 400, 200, 200: mean 300, median 300, deviations 100, 0, 100, -100, -100.
    assert result.attempts == 5
    assert result.mean == 300
    assert result.median == 300
    assert result.sd == pytest.approx(math.sqrt(40000 / 4))


def test_cronbach_alpha_uses_sample_variances():
    # Item variances 12000/4, 0, 12000/4, 28000/4 = 3000 + 0 + 3000 + 7000 = 13000; the
    # totals' variance is 40000/4 = 10000. α = 4/3 × (1 − 13000/10000) = -0.4: these four
    # questions do not measure one thing.
    assert stats_module.test_stats(MARKS).alpha == pytest.approx(4 / 3 * (1 - 13000 / 10000))


def test_consistent_questions_have_a_high_alpha():
    marks = [[100, 100], [100, 100], [0, 100], [0, 0]]
    # Items: mean 50 → var 4·2500/3 = 10000/3; mean 75 → (625·3 + 5625)/3 = 7500/3.
    # Totals 200, 200, 100, 0 (mean 125): (5625 + 5625 + 625 + 15625)/3 = 27500/3.
    assert stats_module.test_stats(marks).alpha == pytest.approx(2 * (1 - 17500 / 27500))


def test_the_median_of_an_even_number_of_attempts_is_the_middle_mean():
    assert stats_module.test_stats([[100], [0], [300], [200]]).median == 150


def test_undefined_statistics_are_none():
    one = question_stats([[100, 0]], [100, 100])
    assert [(s.facility, s.sd, s.discrimination, s.efficiency) for s in one] == [
        (1.0, None, None, None),
        (0.0, None, None, None),
    ]
    none = question_stats([], [100])
    assert [(s.facility, s.sd, s.discrimination, s.negative) for s in none] == [
        (None, None, None, False)
    ]
    assert stats_module.test_stats([]) == TestStats(0, None, None, None, None)
    assert stats_module.test_stats([[100, 100]]) == TestStats(1, 200.0, 200.0, None, None)
    # One question: no alpha. Everyone with the same total: no alpha.
    assert stats_module.test_stats([[100], [0]]).alpha is None
    assert stats_module.test_stats([[100, 0], [0, 100]]).alpha is None


def test_a_question_worth_nothing_has_no_facility():
    result = question_stats([[0, 100], [0, 0]], [0, 100])
    assert result[0].facility is None
    assert result[0].sd is None


def test_ragged_or_fractional_marks_are_refused():
    with pytest.raises(ValueError):
        question_stats([[100, 0], [100]], [100, 100])
    with pytest.raises(ValueError):
        question_stats([[100.0]], [100])
    with pytest.raises(ValueError):
        stats_module.test_stats([[1], [1, 2]])


# --- option analysis ----------------------------------------------------------------------


def test_single_choice_responses_are_counted_per_option():
    assert option_frequencies(["B", "A", "B", None, ""]) == {"A": 1, "B": 2, "未作答": 2}


def test_each_chosen_key_of_a_multiple_choice_counts_once():
    assert option_frequencies([["A", "C"], ["C", "A", "A"], ["D"], []]) == {
        "A": 2,
        "C": 2,
        "D": 1,
        "未作答": 1,
    }


def test_judgements_count_as_true_and_false():
    assert option_frequencies([True, False, True, None]) == {"false": 1, "true": 2, "未作答": 1}


def test_malformed_responses_are_counted_apart():
    assert option_frequencies([3, {"A": 1}, ["A", 1], "A"]) == {"A": 1, "无效作答": 3}


def test_no_responses_no_counts():
    assert option_frequencies([]) == {}
