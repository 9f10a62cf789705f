"""The draw and the conflict rule of competitions."""

from competitions.rules.conflicts import Affiliation, conflict
from competitions.rules.draw import draw_numbers


def test_the_draw_gives_each_contestant_one_number_from_one_to_n():
    numbers = draw_numbers([30, 10, 20, 40], seed=7)
    assert sorted(numbers) == [10, 20, 30, 40]
    assert sorted(numbers.values()) == [1, 2, 3, 4]


def test_the_same_seed_and_contestants_give_the_same_numbers_in_any_order():
    assert draw_numbers([3, 1, 2], seed=99) == draw_numbers([2, 3, 1], seed=99)


def test_another_seed_gives_another_draw():
    ids = list(range(1, 21))
    assert draw_numbers(ids, seed=1) != draw_numbers(ids, seed=2)


def test_a_judge_never_marks_a_colleague():
    judge = Affiliation(enterprise_id=5, region_id=1)
    assert conflict(judge, Affiliation(5, 1), stage="preliminary") is not None
    assert conflict(judge, Affiliation(6, 1), stage="preliminary") is None


def test_in_the_final_a_judge_does_not_mark_their_own_region():
    judge = Affiliation(enterprise_id=None, region_id=1)
    assert conflict(judge, Affiliation(6, 1), stage="final") is not None
    assert conflict(judge, Affiliation(6, 2), stage="final") is None
    assert conflict(judge, Affiliation(6, 1), stage="in_house") is None


def test_a_judge_of_no_enterprise_and_no_region_has_no_conflict():
    judge = Affiliation(enterprise_id=None, region_id=None)
    assert conflict(judge, Affiliation(6, 1), stage="final") is None
