"""Grading: every type, every partial-credit mode, malformed responses and exact splits."""

import pytest

from exams.rules.grading import (
    PartialCredit,
    accepted_in_some_blank,
    blank_shares,
    grade,
    passed,
    right_answer,
    right_options,
    total,
)
from question_bank.rules.types import FillRules, QuestionType

FIXED = PartialCredit.FIXED
PROPORTIONAL = PartialCredit.PROPORTIONAL

# --- single choice ----------------------------------------------------------------------


def test_the_right_option_earns_the_points():
    assert grade("single", "B", "B", 200) == 200
    assert grade(QuestionType.SINGLE, "B", "B", 200) == 200


@pytest.mark.parametrize("response", ["A", "b", " B", "", None, ["B"], 2, True, {"B": 1}])
def test_anything_else_earns_nothing_for_a_single_choice(response):
    assert grade("single", "B", response, 200) == 0


# --- multiple choice --------------------------------------------------------------------

KEY = ["A", "C", "D"]


@pytest.mark.parametrize("partial", list(PartialCredit))
def test_all_the_right_options_in_any_order_earn_the_points(partial):
    assert grade("multiple", KEY, ["D", "A", "C"], 300, partial=partial) == 300


@pytest.mark.parametrize("partial", list(PartialCredit))
def test_duplicates_are_ignored(partial):
    assert grade("multiple", KEY, ["A", "A", "C", "D", "D"], 300, partial=partial) == 300


@pytest.mark.parametrize("partial", list(PartialCredit))
def test_a_wrong_option_earns_nothing_even_with_the_right_ones(partial):
    assert grade("multiple", KEY, ["A", "C", "D", "B"], 300, partial=partial) == 0
    assert grade("multiple", KEY, ["A", "B"], 300, partial=partial) == 0


@pytest.mark.parametrize("partial", list(PartialCredit))
def test_an_unknown_option_counts_as_a_wrong_one(partial):
    assert grade("multiple", KEY, ["A", "Z"], 300, partial=partial) == 0


@pytest.mark.parametrize("partial", list(PartialCredit))
@pytest.mark.parametrize("response", [[], None, "ACD", "A", [1, 2], ["A", None], {"A": True}])
def test_empty_or_malformed_multiple_responses_earn_nothing(partial, response):
    assert grade("multiple", KEY, response, 300, partial=partial) == 0


def test_without_partial_credit_missing_an_option_earns_nothing():
    assert grade("multiple", KEY, ["A", "C"], 300) == 0


def test_fixed_partial_credit_gives_the_percentage_for_a_correct_subset():
    assert grade("multiple", KEY, ["A"], 300, partial=FIXED) == 150
    assert grade("multiple", KEY, ["A", "C"], 300, partial=FIXED, percent=40) == 120
    assert grade("multiple", KEY, ["C"], 300, partial=FIXED, percent=0) == 0


def test_fixed_partial_credit_rounds_down():
    # 33% of 250 centipoints is 82.5.
    assert grade("multiple", KEY, ["A"], 250, partial=FIXED, percent=33) == 82


def test_proportional_partial_credit_counts_the_chosen_options():
    assert grade("multiple", KEY, ["A"], 300, partial=PROPORTIONAL) == 100
    assert grade("multiple", KEY, ["A", "D"], 300, partial=PROPORTIONAL) == 200


def test_proportional_partial_credit_rounds_down():
    # 200 × 2 / 3 = 133.33…
    assert grade("multiple", KEY, ["C", "D"], 200, partial=PROPORTIONAL) == 133
    assert grade("multiple", KEY, ["C"], 200, partial=PROPORTIONAL) == 66


def test_partial_credit_may_be_given_as_its_stored_value():
    assert grade("multiple", KEY, ["A"], 300, partial="fixed") == 150


def test_a_bad_percentage_is_refused():
    with pytest.raises(ValueError):
        grade("multiple", KEY, ["A"], 300, partial=FIXED, percent=101)
    with pytest.raises(ValueError):
        grade("multiple", KEY, ["A"], 300, partial=FIXED, percent=0.5)


# --- true / false -----------------------------------------------------------------------


def test_the_right_judgement_earns_the_points():
    assert grade("true_false", True, True, 100) == 100
    assert grade("true_false", False, False, 100) == 100


@pytest.mark.parametrize("response", [False, "true", "对", 1, 0, None, [True]])
def test_only_the_right_json_boolean_counts(response):
    assert grade("true_false", True, response, 100) == 0


# --- fill-in ----------------------------------------------------------------------------

BLANKS = [["物业服务合同", "物业合同"], ["书面"], ["业主大会"]]


def test_every_blank_right_earns_the_points():
    assert grade("fill", None, ["物业合同", "书面", "业主大会"], 300, blanks=BLANKS) == 300


def test_each_blank_earns_its_share():
    assert grade("fill", None, ["物业合同", "口头", "业主大会"], 300, blanks=BLANKS) == 200
    assert grade("fill", None, ["", "书面", ""], 300, blanks=BLANKS) == 100


def test_shares_sum_exactly_to_the_points():
    assert blank_shares(100, 3) == [34, 33, 33]
    assert blank_shares(200, 3) == [67, 67, 66]
    assert blank_shares(300, 3) == [100, 100, 100]
    assert blank_shares(5, 2) == [3, 2]
    assert sum(blank_shares(1001, 7)) == 1001


def test_the_first_blanks_carry_the_extra_centipoint():
    assert grade("fill", None, ["物业合同", "x", "x"], 100, blanks=BLANKS) == 34
    assert grade("fill", None, ["x", "x", "业主大会"], 100, blanks=BLANKS) == 33
    assert grade("fill", None, ["物业合同", "书面", "业主大会"], 100, blanks=BLANKS) == 100


def test_partial_credit_modes_do_not_change_fill_in_shares():
    response = ["物业合同", "口头", "业主大会"]
    for partial in PartialCredit:
        assert grade("fill", None, response, 300, blanks=BLANKS, partial=partial) == 200


def test_full_width_and_spaces_are_forgiven_by_default():
    blanks = [["ABC1"], ["业主 大会"]]
    assert grade("fill", None, ["ＡＢＣ１", "  业主   大会 "], 200, blanks=blanks) == 200


def test_case_counts_unless_the_question_ignores_it():
    blanks = [["ABC"]]
    assert grade("fill", None, ["abc"], 100, blanks=blanks) == 0
    assert (
        grade("fill", None, ["abc"], 100, blanks=blanks, fill_rules=FillRules(ignore_case=True))
        == 100
    )


def test_strict_rules_compare_as_typed():
    strict = FillRules(trim=False, ignore_width=False)
    assert grade("fill", None, ["ＡＢＣ"], 100, blanks=[["ABC"]], fill_rules=strict) == 0
    assert grade("fill", None, [" ABC"], 100, blanks=[["ABC"]], fill_rules=strict) == 0


def test_the_key_serves_as_the_blanks_when_none_are_given():
    assert grade("fill", [["书面"]], ["书面"], 100) == 100


@pytest.mark.parametrize("response", [None, "物业合同", {"0": "物业合同"}, 3])
def test_malformed_fill_responses_earn_nothing(response):
    assert grade("fill", None, response, 300, blanks=BLANKS) == 0


def test_short_long_and_odd_blank_lists_are_graded_blank_by_blank():
    assert grade("fill", None, ["物业合同"], 300, blanks=BLANKS) == 100
    assert grade("fill", None, ["物业合同", None, 7], 300, blanks=BLANKS) == 100
    assert grade("fill", None, ["物业合同", "书面", "业主大会", "extra"], 300, blanks=BLANKS) == 300


# --- what is not the candidate's fault --------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "key", "blanks"),
    [
        ("essay", "B", None),
        ("single", None, None),
        ("single", ["B"], None),
        ("multiple", "AC", None),
        ("multiple", [], None),
        ("true_false", "true", None),
        ("fill", None, None),
        ("fill", None, []),
        ("fill", None, ["书面"]),
        ("fill", None, [[1]]),
    ],
)
def test_a_broken_key_is_a_bug_and_raises(kind, key, blanks):
    with pytest.raises(ValueError):
        grade(kind, key, None, 100, blanks=blanks)


@pytest.mark.parametrize("points", [-1, 1.5, None, True])
def test_points_must_be_whole_centipoints(points):
    with pytest.raises(ValueError):
        grade("single", "B", "B", points)


def test_zero_points_earn_zero():
    assert grade("single", "B", "B", 0) == 0
    assert grade("fill", None, ["书面"], 0, blanks=[["书面"]]) == 0


# --- totals -----------------------------------------------------------------------------


def test_total_adds_centipoints():
    assert total([100, 34, 0, 66]) == 200
    assert total([]) == 0
    with pytest.raises(ValueError):
        total([1.5])


def test_reaching_the_pass_mark_passes():
    assert passed(6000, 6000)
    assert passed(6001, 6000)
    assert not passed(5999, 6000)


@pytest.mark.parametrize(
    ("kind", "key", "blanks"),
    [
        ("single", "B", None),
        ("multiple", ["D", "A", "C"], None),
        ("true_false", False, None),
        ("fill", None, [["业主委员会", "业委会"], ["物业"]]),
    ],
)
def test_the_right_answer_shown_is_the_one_grading_gives_full_marks(kind, key, blanks):
    right = right_answer(kind, key, blanks)
    assert grade(kind, key, right, 300, blanks=blanks) == 300
    chosen = right_options(kind, key)
    if kind in ("single", "multiple"):
        response = next(iter(chosen)) if kind == "single" else sorted(chosen)
        assert grade(kind, key, response, 300) == 300
        assert chosen == frozenset(key if isinstance(key, list) else [key])
    else:
        assert chosen == frozenset()


def test_a_fill_in_text_is_accepted_as_grading_compares_it():
    rules = FillRules(ignore_case=True)
    assert accepted_in_some_blank("ABC", None, [["abc"]], rules)
    assert not accepted_in_some_blank("abd", None, [["abc"]], rules)
    assert accepted_in_some_blank("物业", None, [["业主委员会"], ["物业"]])
