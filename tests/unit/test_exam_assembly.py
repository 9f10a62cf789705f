"""Paper assembly: rules, distinct reproducible draws, overlapping rules and shortfalls."""

import random
from collections import Counter

import pytest

from exams.rules.assembly import (
    PaperError,
    PaperRule,
    PoolQuestion,
    Shortfall,
    describe_rule,
    draw_paper,
    option_order,
    rule_matches,
    rule_problems,
    sample_order,
    shortfalls,
)


def bank(*groups: tuple[int, str, str | None, str]) -> list[PoolQuestion]:
    """Questions from (how many, type, path, difficulty) groups, with ids counting up."""
    questions, next_id = [], 1
    for count, kind, path, difficulty in groups:
        for _ in range(count):
            questions.append(PoolQuestion(next_id, kind, path, difficulty))
            next_id += 1
    return questions


POOL = bank(
    (30, "single", "法律法规/民法典", "medium"),
    (20, "single", "安全管理", "easy"),
    (15, "multiple", "法律法规/物业管理条例", "hard"),
    (10, "true_false", None, "medium"),
    (8, "fill", "客户服务", "medium"),
)


def ids(paper: list[tuple[int, int]]) -> list[int]:
    return [question_id for question_id, _ in paper]


# --- matching ---------------------------------------------------------------------------


def test_a_tag_matches_its_path_and_everything_below_it():
    rule = PaperRule("single", 1, 100, tags=("法律法规",))
    assert rule_matches(rule, PoolQuestion(1, "single", "法律法规", "easy"))
    assert rule_matches(rule, PoolQuestion(2, "single", "法律法规/民法典/合同", "easy"))
    assert not rule_matches(rule, PoolQuestion(3, "single", "法律法规汇编", "easy"))
    assert not rule_matches(rule, PoolQuestion(4, "single", None, "easy"))


def test_a_rule_without_tags_or_difficulty_takes_any_question_of_its_type():
    rule = PaperRule("single", 1, 100)
    assert rule_matches(rule, PoolQuestion(1, "single", None, "hard"))
    assert not rule_matches(rule, PoolQuestion(2, "multiple", None, "hard"))


def test_difficulty_limits_a_rule():
    rule = PaperRule("single", 1, 100, difficulty="easy")
    assert rule_matches(rule, PoolQuestion(1, "single", "x", "easy"))
    assert not rule_matches(rule, PoolQuestion(2, "single", "x", "medium"))


def test_tags_are_compared_normalised():
    rule = PaperRule("single", 1, 100, tags=(" 法律法规 / 民法典 ",))
    assert rule_matches(rule, PoolQuestion(1, "single", "法律法规/民法典", "easy"))


# --- drawing ------------------------------------------------------------------------------

RULES = [
    PaperRule("single", 10, 200),
    PaperRule("multiple", 5, 400, tags=("法律法规",), difficulty="hard"),
    PaperRule("true_false", 5, 100),
    PaperRule("fill", 2, 300, tags=("客户服务",)),
]


def test_a_paper_follows_the_rules_in_their_order_with_their_points():
    paper = draw_paper(RULES, POOL, random.Random(1))
    by_id = {q.id: q for q in POOL}
    kinds = [by_id[question_id].type for question_id in ids(paper)]
    assert kinds == ["single"] * 10 + ["multiple"] * 5 + ["true_false"] * 5 + ["fill"] * 2
    assert [points for _, points in paper] == [200] * 10 + [400] * 5 + [100] * 5 + [300] * 2
    assert len(set(ids(paper))) == len(paper)


def test_the_same_seed_draws_the_same_paper():
    assert draw_paper(RULES, POOL, random.Random(42)) == draw_paper(RULES, POOL, random.Random(42))


def test_the_draw_does_not_depend_on_the_order_the_bank_is_read_in():
    shuffled = list(POOL)
    random.Random(7).shuffle(shuffled)
    assert draw_paper(RULES, shuffled, random.Random(3)) == draw_paper(
        RULES, POOL, random.Random(3)
    )


def test_different_seeds_draw_different_papers():
    papers = {tuple(ids(draw_paper(RULES, POOL, random.Random(seed)))) for seed in range(10)}
    assert len(papers) == 10


def test_every_matching_question_gets_drawn_sometimes():
    rules = [PaperRule("single", 2, 100, tags=("安全管理",))]
    seen = Counter(
        question_id
        for seed in range(200)
        for question_id in ids(draw_paper(rules, POOL, random.Random(seed)))
    )
    assert set(seen) == {q.id for q in POOL if q.path == "安全管理"}


def test_a_question_listed_twice_in_the_bank_is_drawn_once():
    pool = bank((3, "single", None, "easy"))
    paper = draw_paper([PaperRule("single", 3, 100)], pool + pool, random.Random(0))
    assert sorted(ids(paper)) == [1, 2, 3]
    assert shortfalls([PaperRule("single", 4, 100)], pool + pool) == [
        Shortfall(0, 4, 3, 3, "单选，不限知识点，不限难度")
    ]


# --- overlapping rules ------------------------------------------------------------------


def test_overlapping_rules_leave_the_narrow_rule_its_questions():
    # 12 singles, 5 of them 法律法规: "any single" × 7 + "法律法规 single" × 5 fits exactly,
    # but only if the broad rule keeps its hands off the 法律法规 questions.
    pool = bank((7, "single", "安全管理", "easy"), (5, "single", "法律法规", "easy"))
    rules = [PaperRule("single", 7, 100), PaperRule("single", 5, 100, tags=("法律法规",))]
    assert shortfalls(rules, pool) == []
    for seed in range(50):
        paper = ids(draw_paper(rules, pool, random.Random(seed)))
        assert sorted(paper) == list(range(1, 13))
        assert set(paper[7:]) == {8, 9, 10, 11, 12}


def test_broad_rules_still_draw_from_the_shared_questions():
    pool = bank((10, "single", "安全管理", "easy"), (10, "single", "法律法规", "easy"))
    rules = [PaperRule("single", 5, 100), PaperRule("single", 5, 100, tags=("法律法规",))]
    broad = {
        qid for seed in range(100) for qid in ids(draw_paper(rules, pool, random.Random(seed)))[:5]
    }
    assert broad & set(range(11, 21))


def test_crossing_rules_are_filled_whenever_they_can_be():
    # Three rules, each matching two of three questions: taking a question for the first rule
    # that the third needs leaves it empty; a draw must never make that mistake.
    pool = [
        PoolQuestion(1, "single", "P/A", "easy"),
        PoolQuestion(2, "single", "P/B", "easy"),
        PoolQuestion(3, "single", "Q/C", "easy"),
    ]
    rules = [
        PaperRule("single", 1, 100, tags=("P",)),
        PaperRule("single", 1, 100, tags=("P/A", "Q")),
        PaperRule("single", 1, 100, tags=("P/B", "Q")),
    ]
    assert shortfalls(rules, pool) == []
    papers = {tuple(ids(draw_paper(rules, pool, random.Random(seed)))) for seed in range(60)}
    assert papers == {(1, 3, 2), (2, 1, 3)}


# --- shortfalls ---------------------------------------------------------------------------


def test_a_rule_the_bank_cannot_fill_says_how_many_it_needs_and_has():
    pool = bank((6, "single", "法律法规/民法典", "medium"), (9, "single", "法律法规", "easy"))
    rules = [PaperRule("single", 10, 100, tags=("法律法规",), difficulty="medium")]
    assert shortfalls(rules, pool) == [Shortfall(0, 10, 6, 6, "单选，法律法规，中等")]
    assert shortfalls(rules, pool)[0].message == (
        "第 1 条规则（单选，法律法规，中等）需要 10 题，题库只有 6 题可用"
    )


def test_overlapping_shortfalls_count_what_is_left_after_the_narrower_rule():
    # 15 singles, 8 of them 法律法规; 20 are asked for. The 法律法规 rule can have its 8, the
    # broad rule the 7 others: adding 2 法律法规 and 3 other singles would fix both.
    pool = bank((7, "single", "安全管理", "easy"), (8, "single", "法律法规", "easy"))
    rules = [PaperRule("single", 10, 100), PaperRule("single", 10, 100, tags=("法律法规",))]
    missing = shortfalls(rules, pool)
    assert [(s.rule, s.needed, s.available, s.matching) for s in missing] == [
        (0, 10, 7, 15),
        (1, 10, 8, 8),
    ]
    assert missing[0].message == (
        "第 1 条规则（单选，不限知识点，不限难度）需要 10 题，题库只有 7 题可用"
        "（另有 8 道符合条件的题已被其他规则占用）"
    )


def test_only_the_rules_that_fail_are_reported():
    pool = bank((3, "single", None, "easy"), (10, "multiple", None, "easy"))
    rules = [PaperRule("multiple", 5, 100), PaperRule("single", 4, 100)]
    assert shortfalls(rules, pool) == [Shortfall(1, 4, 3, 3, "单选，不限知识点，不限难度")]


def test_a_rule_nothing_matches_has_nothing_available():
    missing = shortfalls([PaperRule("fill", 2, 100, tags=("绿化",))], POOL)
    assert [(s.needed, s.available) for s in missing] == [(2, 0)]


def test_drawing_from_a_bank_that_falls_short_raises_with_the_shortfalls():
    rules = [PaperRule("fill", 9, 100)]
    with pytest.raises(PaperError) as error:
        draw_paper(rules, POOL, random.Random(0))
    assert error.value.shortfalls == [Shortfall(0, 9, 8, 8, "填空，不限知识点，不限难度")]
    assert "需要 9 题，题库只有 8 题可用" in str(error.value)


def test_exactly_enough_questions_is_enough():
    assert shortfalls([PaperRule("fill", 8, 100)], POOL) == []
    assert sorted(ids(draw_paper([PaperRule("fill", 8, 100)], POOL, random.Random(0)))) == list(
        range(76, 84)
    )


# --- bad rules ----------------------------------------------------------------------------


def test_good_rules_have_no_problems():
    assert rule_problems(RULES) == []


def test_no_rules_is_a_problem():
    assert rule_problems([]) == ["请至少设置一条组卷规则"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            PaperRule("essay", 1, 100),
            "第 1 条规则：题型“essay”无效，请选择：单选、多选、判断、填空",
        ),
        (PaperRule("single", 0, 100), "第 1 条规则：题数应为不小于 1 的整数"),
        (PaperRule("single", True, 100), "第 1 条规则：题数应为不小于 1 的整数"),
        (PaperRule("single", 2.5, 100), "第 1 条规则：题数应为不小于 1 的整数"),
        (PaperRule("single", 1, 0), "第 1 条规则：每题分值应大于 0"),
        (PaperRule("single", 1, -100), "第 1 条规则：每题分值应大于 0"),
        (
            PaperRule("single", 1, 100, difficulty="extreme"),
            "第 1 条规则：难度“extreme”无效，请选择：容易、中等、困难或不限",
        ),
        (PaperRule("single", 1, 100, tags=(" / ",)), "第 1 条规则：知识点不能为空"),
        (PaperRule("single", 1, 100, tags=(3,)), "第 1 条规则：知识点不能为空"),
    ],
)
def test_bad_rules_are_explained(rule, message):
    assert rule_problems([rule]) == [message]


def test_problems_name_the_rule_they_belong_to():
    rules = [PaperRule("single", 1, 100), PaperRule("single", 0, 0)]
    assert rule_problems(rules) == [
        "第 2 条规则：题数应为不小于 1 的整数",
        "第 2 条规则：每题分值应大于 0",
    ]


def test_bad_rules_are_not_drawn():
    with pytest.raises(ValueError, match="题数"):
        draw_paper([PaperRule("single", 0, 100)], POOL, random.Random(0))
    with pytest.raises(ValueError, match="题型"):
        shortfalls([PaperRule("essay", 1, 100)], POOL)


def test_rules_describe_themselves_in_chinese():
    assert describe_rule(
        PaperRule("true_false", 1, 100, tags=("安全管理", "客户服务"), difficulty="hard")
    ) == ("判断，安全管理、客户服务，困难")


# --- order --------------------------------------------------------------------------------


def test_sample_order_shuffles_a_copy_reproducibly():
    items = list(range(20))
    shuffled = sample_order(items, random.Random(5))
    assert items == list(range(20))
    assert sorted(shuffled) == items
    assert shuffled != items
    assert shuffled == sample_order(items, random.Random(5))


def test_option_order_keeps_the_keys_and_changes_their_order():
    keys = ["A", "B", "C", "D"]
    orders = {tuple(option_order(keys, random.Random(seed))) for seed in range(30)}
    assert all(sorted(order) == keys for order in orders)
    assert len(orders) > 1
    assert option_order(keys, random.Random(9)) == option_order(keys, random.Random(9))


def test_every_order_of_four_options_comes_up():
    keys = ["A", "B", "C", "D"]
    rng = random.Random(13)
    orders = Counter(tuple(option_order(keys, rng)) for _ in range(2400))
    assert len(orders) == 24  # each of the 24 about a hundred times
    assert min(orders.values()) > 50


def test_rules_that_share_no_question_draw_each_from_its_own():
    rules = [PaperRule("single", 5, 100), PaperRule("true_false", 3, 100)]
    seen = Counter()
    for seed in range(200):
        paper = draw_paper(rules, POOL, random.Random(seed))
        assert len(set(ids(paper))) == 8
        assert [q.type for q in POOL if q.id in ids(paper)].count("single") == 5
        seen.update(ids(paper))
    drawable = [q.id for q in POOL if q.type in ("single", "true_false")]
    assert set(seen) == set(drawable)  # every question comes up
