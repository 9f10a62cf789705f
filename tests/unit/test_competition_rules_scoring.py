"""Marks of a practical round against hand-computed score sheets: parsing, combining judges,
0–3 judgement marks, deductions, disagreement and the weighted total."""

from decimal import Decimal
from fractions import Fraction

import pytest

from competitions.rules.scoring import (
    AGGREGATIONS,
    MarkSummary,
    combine,
    event_total,
    format_points,
    judgement_points,
    measurement_points,
    parse_points,
    round_centipoints,
    spread_exceeds,
    summarise,
    to_decimal,
)

# ---- points as people type them -------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "centipoints"),
    [
        ("12.5", 1250),
        (" 7.25 ", 725),
        ("0", 0),
        (12, 1200),
        (12.3, 1230),  # a JSON number: read as the decimal it was written as
        (Decimal("0.01"), 1),
        ("100.00", 10000),
    ],
)
def test_points_are_read_as_whole_centipoints(typed, centipoints):
    assert parse_points(typed) == centipoints


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12.345", "两位小数"),
        ("-1", "负数"),
        ("abc", "数字"),
        ("", "数字"),
        ("NaN", "数字"),
        ("Infinity", "数字"),
        (True, "数字"),
        (None, "数字"),
        ([1], "数字"),
        ("1" * 30, "数字"),
        (0.001, "两位小数"),
    ],
)
def test_bad_points_are_refused_in_chinese(typed, message):
    with pytest.raises(ValueError, match=message):
        parse_points(typed)


def test_points_above_the_items_maximum_are_refused():
    assert parse_points("10", maximum=1000) == 1000
    with pytest.raises(ValueError, match="不能超过 10.00"):
        parse_points("10.01", maximum=1000)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1250, "12.50"),
        (0, "0.00"),
        (7, "0.07"),
        (Fraction(4850, 3), "16.17"),  # 16.1666… rounds up
        (Fraction(2450, 3), "8.17"),
        (Fraction(1, 2), "0.01"),  # half a centipoint: half up
        (Fraction(1000, 3), "3.33"),
    ],
)
def test_points_are_shown_with_two_places_rounded_half_up(value, text):
    assert format_points(value) == text


def test_a_percentage_keeps_two_places():
    assert to_decimal(Fraction(889375, 10000), scale=1) == Decimal("88.94")


# ---- combining judges (sheet: item worth 20.00 points) ------------------------------------

# judges' marks, aggregation          → combined (exact)        shown
COMBINATION_SHEET = [
    # 5 judges: 18.50 and 12.00 dropped, (15.00 + 17.50 + 16.00) / 3
    ([1500, 1750, 1600, 1200, 1850], "trimmed_mean", Fraction(4850, 3), "16.17"),
    # equal extremes: one of each dropped, (10 + 12 + 14) / 3
    ([1000, 1000, 1200, 1400, 1400], "trimmed_mean", Fraction(1200), "12.00"),
    # 6 judges: 20.00 and 9.00 dropped, (10 + 11 + 12 + 13) / 4
    ([1100, 2000, 1000, 900, 1300, 1200], "trimmed_mean", Fraction(4600, 4), "11.50"),
    # only 4 judges: nothing dropped, (10 + 12 + 14 + 20) / 4
    ([1000, 1200, 1400, 2000], "trimmed_mean", Fraction(1400), "14.00"),
    # 3 judges: (7.00 + 8.50 + 9.00) / 3
    ([700, 850, 900], "mean", Fraction(2450, 3), "8.17"),
    # 5 judges by plain mean: nothing dropped, 81.50 / 5
    ([1500, 1750, 1600, 1200, 1850], "mean", Fraction(7900, 5), "15.80"),
    # a single-judge item scored by a replacement judge too: the latest mark counts
    ([1200, 1500], "single", Fraction(1500), "15.00"),
    ([1350], "single", Fraction(1350), "13.50"),
]


@pytest.mark.parametrize(("marks", "aggregation", "exact", "shown"), COMBINATION_SHEET)
def test_judges_marks_combine_as_on_the_sheet(marks, aggregation, exact, shown):
    combined = combine(marks, aggregation)
    assert combined == exact
    assert format_points(combined) == shown


def test_an_item_nobody_has_marked_has_no_mark():
    for aggregation in AGGREGATIONS:
        assert combine([], aggregation) is None


def test_an_unknown_aggregation_is_refused():
    with pytest.raises(ValueError, match="未知的评分汇总方式"):
        combine([100], "median")


# ---- judgement (0–3) and measurement items ----------------------------------------------

# item maximum → points for marks 0, 1, 2, 3
JUDGEMENT_SHEET = [
    (1000, [0, 333, 667, 1000]),  # 10.00: 3.33 and 6.67 (6.666… up)
    (500, [0, 167, 333, 500]),  # 5.00: 1.666… up, 3.333… down
    (450, [0, 150, 300, 450]),  # 4.50: exact thirds
    (1, [0, 0, 1, 1]),  # 0.01: 0.0033 and 0.0067
]


@pytest.mark.parametrize(("maximum", "points"), JUDGEMENT_SHEET)
def test_a_judgement_mark_is_its_share_of_the_item(maximum, points):
    assert [judgement_points(mark, maximum) for mark in range(4)] == points


@pytest.mark.parametrize("mark", [-1, 4, 1.5, True, "2"])
def test_a_judgement_mark_outside_zero_to_three_is_refused(mark):
    with pytest.raises(ValueError, match="0–3"):
        judgement_points(mark, 1000)


@pytest.mark.parametrize("maximum", [0, -100, 12.5])
def test_a_judgement_item_needs_a_positive_maximum(maximum):
    with pytest.raises(ValueError, match="满分"):
        judgement_points(2, maximum)


def test_a_measurement_item_is_full_marks_or_a_deduction():
    assert measurement_points(500) == 500
    assert measurement_points(500, 150) == 350  # 5.00 less 1.50
    assert measurement_points(500, 500) == 0


@pytest.mark.parametrize(("deduction", "message"), [(-1, "负数"), (501, "不能超过该项满分 5.00")])
def test_a_deduction_stays_within_the_item(deduction, message):
    with pytest.raises(ValueError, match=message):
        measurement_points(500, deduction)


# ---- disagreement (item worth 10.00, threshold 20%: a spread of 2.00 is allowed) ---------

SPREAD_SHEET = [
    ([600, 800], False),  # 2.00: exactly at the threshold
    ([600, 801], True),  # 2.01
    ([700, 750, 800, 650, 900], True),  # 9.00 − 6.50 = 2.50
    ([700, 750, 800, 650, 850], False),  # 2.00
    ([1000], False),  # one mark cannot disagree
    ([], False),
]


@pytest.mark.parametrize(("marks", "exceeds"), SPREAD_SHEET)
def test_a_spread_beyond_the_threshold_is_a_disagreement(marks, exceeds):
    assert spread_exceeds(marks, 1000, 20) is exceeds


def test_a_zero_threshold_flags_any_difference():
    assert spread_exceeds([500, 501], 1000, 0) is True
    assert spread_exceeds([500, 500], 1000, 0) is False


# ---- the total out of 100 ---------------------------------------------------------------

# practical (of 80.00), theory %, theory weight → total (exact)              shown
TOTAL_SHEET = [
    # 30/70: 72.50 / 80 = 90.625 %; 0.7 × 90.625 + 0.3 × 85 = 63.4375 + 25.5
    (7250, Decimal("85.00"), 30, Fraction(889375, 10000), "88.94"),
    # 20/80: 0.8 × 90.625 + 0.2 × 60 = 72.5 + 12
    (7250, 60, 20, Fraction(845, 10), "84.50"),
    # no theory round: the practical counts 100 %
    (7250, None, 30, Fraction(90625, 1000), "90.63"),
    # a theory weight of 0: the theory score does not count
    (7250, Decimal("99"), 0, Fraction(90625, 1000), "90.63"),
    # absent from the theory exam in an event that has one: 0 for that part
    (8000, 0, 30, Fraction(70), "70.00"),
    # a mean practical (53.33…, two thirds of 80) and theory 2/3 %:
    # 0.7 × 200/3 + 0.3 × 2/3 = 140/3 + 1/5 = 703/15 = 46.866…
    (Fraction(16000, 3), Fraction(2, 3), 30, Fraction(703, 15), "46.87"),
]


@pytest.mark.parametrize(("practical", "theory", "weight", "exact", "shown"), TOTAL_SHEET)
def test_the_total_weights_theory_and_practical(practical, theory, weight, exact, shown):
    total = event_total(practical, 8000, theory, weight)
    assert total == exact
    assert str(to_decimal(total, scale=1)) == shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((100, 0, None, 30), "实操满分"),
        ((100, 8000, 50, 101), "权重"),
        ((100, 8000, 50, -1), "权重"),
        ((100, 8000, 101, 30), "理论成绩"),
        ((100, 8000, -1, 30), "理论成绩"),
    ],
)
def test_a_total_from_impossible_figures_is_refused(args, message):
    with pytest.raises(ValueError, match=message):
        event_total(*args)


# ---- summaries: what a database can compute for many items at once -----------------------


@pytest.mark.parametrize(("marks", "aggregation", "exact", "shown"), COMBINATION_SHEET)
def test_a_summary_of_the_marks_combines_as_the_marks_do(marks, aggregation, exact, shown):
    summary = summarise(marks)
    assert combine(summary, aggregation) == exact
    assert spread_exceeds(summary, 2000, 20) is spread_exceeds(marks, 2000, 20)


def test_a_summary_keeps_count_sum_extremes_and_the_latest_mark():
    assert summarise([1500, 1750, 1200]) == MarkSummary(3, 4450, 1200, 1750, 1200)
    assert summarise([]) is None
    assert combine(None, "mean") is None
    assert spread_exceeds(None, 1000, 20) is False


def test_negative_figures_round_half_away_from_zero():
    assert to_decimal(Fraction(-1, 2)) == Decimal("-0.01")
    assert to_decimal(Fraction(-1, 3)) == Decimal("0.00")
    assert to_decimal(-1250) == Decimal("-12.50")


@pytest.mark.parametrize(
    ("value", "centipoints"),
    [(Fraction(2, 3), 1), (Fraction(1, 3), 0), (Fraction(1, 2), 1), (Fraction(-1, 2), -1), (7, 7)],
)
def test_a_mean_is_rounded_to_a_whole_centipoint_half_up(value, centipoints):
    assert round_centipoints(value) == centipoints
