"""Ranks, tie-breaks, team sums, award tiers, titles and promotion against hand-made sheets."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from competitions.rules.ranking import (
    TIE_BREAKS,
    Ranked,
    award_boundaries,
    award_tiers,
    promoted,
    rank,
    team_ranking,
    titles,
)


@dataclass(frozen=True)
class Row:
    number: int
    total: Decimal
    practical: Decimal | None = None
    time_used_seconds: int | None = None
    theory: Decimal | None = None
    enterprise_id: int | None = None


def rows_from(sheet: str) -> list[Row]:
    """Rows of a sheet: number total practical time theory ("-" for unknown)."""
    rows = []
    for line in sheet.strip().splitlines():
        number, total, practical, time, theory = line.split()
        rows.append(
            Row(
                int(number),
                Decimal(total),
                Decimal(practical),
                None if time == "-" else int(time),
                None if theory == "-" else Decimal(theory),
            )
        )
    return rows


def numbers_and_ranks(ranked: list[Ranked]) -> list[tuple[int, int]]:
    return [(r.row.number, r.rank) for r in ranked]


# number total  practical time  theory
TIE_BREAK_SHEET = """
 12    70.00  45.00      1000  50.00
  1    90.00  60.00      1800  80.00
  3    88.00  61.00      1400  95.00
  2    88.00  62.00      1500  90.00
  5    85.00  60.00      1600  75.00
  4    85.00  60.00      1500  70.00
  6    80.00  55.00      -     70.00
  7    80.00  55.00      2000  70.00
  8    78.00  50.00      1200  60.00
  9    78.00  50.00      1200  65.00
 10    75.00  50.00      1200  60.00
 11    75.00  50.00      1200  60.00
"""


def test_ties_are_broken_by_practical_then_time_then_theory_else_shared():
    ranked = rank(rows_from(TIE_BREAK_SHEET), ["practical", "time", "theory"])
    assert numbers_and_ranks(ranked) == [
        (1, 1),  # the highest total
        (2, 2),  # 88.00 each: practical 62 beats 61
        (3, 3),
        (4, 4),  # 85.00, practical 60 each: 1500 s beats 1600 s
        (5, 5),
        (7, 6),  # 80.00, 55 each: a recorded 2000 s beats an unknown time
        (6, 7),
        (9, 8),  # 78.00, 50, 1200 s each: theory 65 beats 60
        (8, 9),
        (10, 10),  # equal on everything: a shared rank, in the order given
        (11, 10),
        (12, 12),  # the next rank skips the shared place
    ]


def test_the_tie_break_order_is_the_events():
    ranked = rank(rows_from(TIE_BREAK_SHEET), ["time", "practical"])
    # 88.00 each: now time first, 1400 s beats 1500 s
    assert numbers_and_ranks(ranked)[1:3] == [(3, 2), (2, 3)]
    # 78.00: time and practical equal, theory not consulted: shared
    assert (8, 8) in numbers_and_ranks(ranked) and (9, 8) in numbers_and_ranks(ranked)


def test_without_tie_breaks_equal_totals_share_a_rank():
    rows = [
        Row(1, Decimal("90")),
        Row(2, Decimal("85")),
        Row(3, Decimal("85")),
        Row(4, Decimal("80")),
    ]
    assert [r.rank for r in rank(rows, [])] == [1, 2, 2, 4]


def test_a_missing_theory_score_ranks_after_any_score():
    rows = [
        Row(1, Decimal("80"), Decimal("50"), 100, None),
        Row(2, Decimal("80"), Decimal("50"), 100, Decimal("0")),
    ]
    assert numbers_and_ranks(rank(rows, ["theory"])) == [(2, 1), (1, 2)]


def test_rows_may_be_mappings():
    rows = [{"number": 1, "total": Decimal("1")}, {"number": 2, "total": Decimal("2")}]
    assert [r.row["number"] for r in rank(rows, [])] == [2, 1]


@pytest.mark.parametrize("order", [["speed"], ["time", "time"]])
def test_an_unknown_or_repeated_tie_break_is_refused(order):
    with pytest.raises(ValueError, match="并列排序规则"):
        rank([], order)


def test_the_registry_names_the_three_tie_breaks():
    assert set(TIE_BREAKS) == {"practical", "time", "theory"}


def test_nobody_to_rank_gives_an_empty_ranking():
    assert rank([], ["practical"]) == []


# ---- teams (N = 2) ---------------------------------------------------------------------

# enterprise: members' totals        → counted          team score  rank
#   1: 90.00 80.00 70.00             → 90 + 80           170.00      2 (shared)
#   2: 85.00 88.00                   → 88 + 85           173.00      1
#   3: 95.00                         → fewer than 2      —           not ranked
#   4: 86.00 84.00                   → 86 + 84           170.00      2 (shared)
#   5: 60.00 50.00                   → 60 + 50           110.00      4
TEAM_MEMBERS = [
    (1, "90.00"),
    (2, "85.00"),
    (1, "80.00"),
    (3, "95.00"),
    (4, "86.00"),
    (2, "88.00"),
    (1, "70.00"),
    (5, "50.00"),
    (4, "84.00"),
    (5, "60.00"),
]


def test_a_teams_score_is_the_sum_of_its_best_n_members():
    rows = [Row(n, Decimal(total), enterprise_id=e) for n, (e, total) in enumerate(TEAM_MEMBERS, 1)]
    teams = team_ranking(rows, 2)
    assert [(t.enterprise_id, t.score, t.rank) for t in teams] == [
        (2, Decimal("173.00"), 1),
        (1, Decimal("170.00"), 2),
        (4, Decimal("170.00"), 2),
        (5, Decimal("110.00"), 4),
        (3, Decimal("95.00"), None),
    ]
    first_enterprise = teams[1]
    assert [m.total for m in first_enterprise.members] == [Decimal("90.00"), Decimal("80.00")]
    assert [m.total for m in first_enterprise.others] == [Decimal("70.00")]


@pytest.mark.parametrize("size", [0, -1, True, 1.5])
def test_a_team_has_at_least_one_member(size):
    with pytest.raises(ValueError, match="团体人数"):
        team_ranking([], size)


# ---- awards ----------------------------------------------------------------------------


def ranked_with(ranks: list[int]) -> list[Ranked]:
    return [Ranked(r, Row(i, Decimal(0))) for i, r in enumerate(ranks, start=1)]


def test_awards_by_count_go_down_the_ranking():
    config = {"by": "count", "first": 1, "second": 2, "third": 3, "excellence": 2}
    awards = award_tiers(ranked_with(list(range(1, 11))), config)
    assert awards == ["first"] + ["second"] * 2 + ["third"] * 3 + ["excellence"] * 2 + [""] * 2


def test_contestants_tied_at_a_boundary_share_the_higher_award():
    # rank:   1      2       3       3       5      6      7            8   9
    # places: first 1 | second 2 (to 3) | third 3 (to 6) | excellence 2 (to 8)
    config = {"by": "count", "first": 1, "second": 2, "third": 3, "excellence": 2}
    awards = award_tiers(ranked_with([1, 2, 3, 3, 5, 6, 7, 8, 9]), config)
    assert awards == [
        "first",
        "second",
        "second",  # tied for the last second prize: both get it
        "second",
        "third",  # the third prizes lose the place the tie took
        "third",
        "excellence",
        "excellence",
        "",
    ]


def test_a_tie_for_first_gives_two_first_prizes():
    config = {"by": "count", "first": 1, "second": 1}
    assert award_tiers(ranked_with([1, 1, 3]), config) == ["first", "first", ""]


# 25 ranked, shares 10/20/30/10 %: the running share rounded down
#   first      10 % of 25 = 2.5  → positions 1–2
#   second     30 % of 25 = 7.5  → positions 3–7
#   third      60 % of 25 = 15   → positions 8–15
#   excellence 70 % of 25 = 17.5 → positions 16–17
SHARE_CONFIG = {"by": "share", "first": 10, "second": 20, "third": 30, "excellence": 10}


def test_award_shares_are_running_percentages_rounded_down():
    assert award_boundaries(SHARE_CONFIG, 25) == [
        ("first", 2),
        ("second", 7),
        ("third", 15),
        ("excellence", 17),
    ]
    awards = award_tiers(ranked_with(list(range(1, 26))), SHARE_CONFIG)
    assert awards.count("first") == 2
    assert awards.count("second") == 5
    assert awards.count("third") == 8
    assert awards.count("excellence") == 2
    assert awards[17:] == [""] * 8


def test_a_tie_at_a_share_boundary_shares_the_higher_award():
    ranks = [1, 2, 2, 4, 5, 6, 7, 7, 9, 10] + list(range(11, 26))
    awards = award_tiers(ranked_with(ranks), SHARE_CONFIG)
    assert awards[:3] == ["first", "first", "first"]  # rank 2 tied at the first boundary
    assert awards[3:8] == ["second"] * 5  # rank 7 twice at the second boundary
    assert awards[8] == "third"


def test_a_small_event_may_have_no_first_prize_by_share():
    # 7 × 10 % = 0.7 → no first prize; 7 × 30 % = 2.1 → 2 positions for the first two tiers
    awards = award_tiers(ranked_with(list(range(1, 8))), SHARE_CONFIG)
    assert awards[:3] == ["second", "second", "third"]


def test_no_award_configuration_gives_no_awards():
    assert award_tiers(ranked_with([1, 2]), {}) == ["", ""]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"by": "votes", "first": 1}, "按人数或按比例"),
        ({"by": "count", "first": -1}, "一等奖"),
        ({"by": "count", "third": "3"}, "三等奖"),
        ({"by": "share", "first": 50, "second": 60}, "100%"),
        ({"by": "count", "fourth": 1}, "未知的奖项"),
    ],
)
def test_a_bad_award_configuration_is_refused(config, message):
    with pytest.raises(ValueError, match=message):
        award_tiers(ranked_with([1]), config)


# ---- titles and promotion ---------------------------------------------------------------

TITLES = [{"title": "河北省技术能手", "top": 3}, {"title": "河北省岗位能手", "top": 5}]


def test_titles_go_to_the_first_n_with_ties_at_the_boundary():
    given = titles(ranked_with([1, 2, 3, 3, 5, 6, 7]), TITLES)
    assert given == ["河北省技术能手"] * 4 + ["河北省岗位能手", "", ""]


def test_a_title_needs_a_name_and_a_top():
    with pytest.raises(ValueError, match="称号名称"):
        titles(ranked_with([1]), [{"title": " ", "top": 1}])
    with pytest.raises(ValueError, match="名次"):
        titles(ranked_with([1]), [{"title": "能手", "top": 0}])


def test_the_first_n_are_promoted_with_ties_at_the_boundary():
    assert promoted(ranked_with([1, 2, 2, 4]), 2) == [True, True, True, False]
    assert promoted(ranked_with([1, 2]), None) == [False, False]
    assert promoted(ranked_with([1, 2]), 0) == [False, False]
    with pytest.raises(ValueError, match="晋级"):
        promoted(ranked_with([1]), -1)


def test_awards_without_a_method_are_by_count_and_missing_tiers_give_none():
    assert award_tiers(ranked_with([1, 2, 3]), {"first": 1, "third": None}) == ["first", "", ""]
