"""Ranks, team rankings, awards, titles and who goes up a level: pure rules.

A row is anything with `total`, `practical`, `theory` and `time_used_seconds` (attributes
or mapping keys; `competitions.standings.Standing` is one). Rows rank by total, higher
first; rows with the same total are separated by the event's tie-break order, a list of
keys of `TIE_BREAKS`; rows still equal on every one share a rank, and the next rank skips
(1, 2, 2, 4). Totals are compared as given: the standings pass the two-place figures they
publish, so that anyone can check a ranking against the published table.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any


def _field(row, name: str):
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def _higher_first(name: str) -> Callable[[Any], tuple]:
    # A missing score (no theory attempt) ranks after any score, 0 included.
    def key(row) -> tuple:
        value = _field(row, name)
        return (value is None, -value if value is not None else 0)

    return key


def _less_time_first(row) -> tuple:
    # Unknown time (not recorded) ranks after any recorded time.
    seconds = _field(row, "time_used_seconds")
    return (seconds is None, seconds if seconds is not None else 0)


# A row's value for each tie-break, as a key that sorts the better row first.
TIE_BREAKS: dict[str, Callable[[Any], tuple]] = {
    "practical": _higher_first("practical"),  # 实操成绩高者在前
    "time": _less_time_first,  # 用时少者在前，未记录用时者在后
    "theory": _higher_first("theory"),  # 理论成绩高者在前
}
TIE_BREAK_LABELS = {"practical": "实操成绩", "time": "用时", "theory": "理论成绩"}


def check_tie_break(order: Sequence[str]) -> list[str]:
    """The order as a list, or ValueError naming an unknown or repeated key."""
    order = list(order)
    for name in order:
        if name not in TIE_BREAKS:
            raise ValueError(f"未知的并列排序规则：{name}")
    if len(set(order)) != len(order):
        raise ValueError("并列排序规则不能重复")
    return order


@dataclass(frozen=True)
class Ranked:
    """A row with its rank (shared on a tie)."""

    rank: int
    row: Any


def _sort_key(tie_break: list[str]) -> Callable[[Any], tuple]:
    total_first = _higher_first("total")
    keys = [TIE_BREAKS[name] for name in tie_break]
    return lambda row: (total_first(row), *(key(row) for key in keys))


def rank(rows: Sequence, tie_break: Sequence[str]) -> list[Ranked]:
    """The rows best first with their ranks; rows equal on the total and every tie-break
    share a rank and keep the order they were given in (e.g. by number)."""
    key = _sort_key(check_tie_break(tie_break))
    keyed = sorted(((key(row), index, row) for index, row in enumerate(rows)), key=lambda t: t[:2])
    ranked: list[Ranked] = []
    previous = None
    for position, (row_key, _, row) in enumerate(keyed, start=1):
        shared = ranked and row_key == previous
        ranked.append(Ranked(ranked[-1].rank if shared else position, row))
        previous = row_key
    return ranked


@dataclass(frozen=True)
class Team:
    """An enterprise's team in an event; `rank` is None when it has fewer than N members."""

    enterprise_id: int
    score: Decimal | Fraction | int  # the sum of the counted members' totals
    members: tuple  # the rows that count, best first
    others: tuple  # members beyond the best N, who do not count
    rank: int | None


def team_ranking(rows: Sequence, team_size: int) -> list[Team]:
    """Teams of each enterprise's contestants (rows with `enterprise_id` and `total`).

    A team is N contestants of one enterprise and its score the sum of their totals. An
    enterprise that entered more than N counts its best N (by total, then by the order the
    rows were given: pass them ranked); one with fewer than N has no full team and is
    listed after the ranked teams without a rank. Equal scores share a rank.
    """
    if isinstance(team_size, bool) or not isinstance(team_size, int) or team_size < 1:
        raise ValueError("团体人数须为正整数")
    by_enterprise: dict[int, list] = {}
    for row in rows:
        by_enterprise.setdefault(_field(row, "enterprise_id"), []).append(row)
    total_first = _higher_first("total")
    full, short = [], []
    for enterprise_id, members in by_enterprise.items():
        members = sorted(members, key=total_first)  # stable: ties keep the given order
        counted = members[:team_size]
        score = sum((_field(m, "total") for m in counted), start=0)
        if len(members) >= team_size:
            full.append((enterprise_id, score, tuple(counted), tuple(members[team_size:])))
        else:
            short.append((enterprise_id, score, tuple(counted), ()))
    full.sort(key=lambda t: -Fraction(t[1]))
    short.sort(key=lambda t: -Fraction(t[1]))
    teams: list[Team] = []
    for position, (enterprise_id, score, counted, others) in enumerate(full, start=1):
        shared = teams and teams[-1].score == score
        teams.append(
            Team(enterprise_id, score, counted, others, teams[-1].rank if shared else position)
        )
    teams.extend(Team(e, s, c, o, None) for e, s, c, o in short)
    return teams


AWARD_TIERS = ("first", "second", "third", "excellence")  # 一等奖 二等奖 三等奖 优秀奖
AWARD_LABELS = {"first": "一等奖", "second": "二等奖", "third": "三等奖", "excellence": "优秀奖"}


def check_awards(config: Mapping) -> dict:
    """The award configuration, checked: {"by": "count"|"share", tier: a whole number ≥ 0};
    shares together at most 100 (percent). An empty configuration gives no awards."""
    if not config:
        return {"by": "count", **dict.fromkeys(AWARD_TIERS, 0)}
    by = config.get("by", "count")
    if by not in ("count", "share"):
        raise ValueError("奖项设置方式须为按人数或按比例")
    unknown = set(config) - {"by", *AWARD_TIERS}
    if unknown:
        raise ValueError(f"未知的奖项：{'、'.join(sorted(unknown))}")
    checked = {"by": by}
    for tier in AWARD_TIERS:
        value = config.get(tier) or 0
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
            raise ValueError(f"{AWARD_LABELS[tier]}数量须为不小于 0 的整数")
        checked[tier] = value
    if by == "share" and sum(checked[t] for t in AWARD_TIERS) > 100:
        raise ValueError("各奖项比例之和不能超过 100%")
    return checked


def award_boundaries(config: Mapping, ranked_count: int) -> list[tuple[str, int]]:
    """[(tier, the last position it covers)], best tier first.

    By count, each tier covers its number of positions after the tiers above it. By share,
    the positions are a share of the ranked contestants, taken cumulatively and rounded
    down (获奖比例不超过…: a share is a ceiling, so 10% of 25 is 2 first prizes, and 10% + 20%
    of 25 is 7 positions for the first two tiers) — rounding the running sum rather than
    each tier keeps the tiers from drifting past their shares together.
    """
    config = check_awards(config)
    boundaries, cumulative = [], 0
    for tier in AWARD_TIERS:
        cumulative += config[tier]
        if config["by"] == "share":
            boundaries.append((tier, ranked_count * cumulative // 100))
        else:
            boundaries.append((tier, cumulative))
    return boundaries


def award_tiers(ranked: Sequence[Ranked], config: Mapping) -> list[str]:
    """Each ranked row's award ("first", "second", "third", "excellence" or ""), in order.

    A row gets the best tier whose last position is at or after its rank: contestants tied
    across a boundary share the higher award, and the tier below loses as many places
    (ranks 1, 2, 2, 4 with one first and one second prize: first, second, second, and the
    third prize goes to rank 3 — nobody).
    """
    boundaries = award_boundaries(config, len(ranked))
    awards = []
    for entry in ranked:
        awards.append(next((tier for tier, last in boundaries if entry.rank <= last), ""))
    return awards


def check_titles(config: Sequence[Mapping]) -> list[dict]:
    """The titles configuration, checked: [{"title": text, "top": n ≥ 1}]."""
    checked = []
    for entry in config or []:
        title = str(entry.get("title", "")).strip() if isinstance(entry, Mapping) else ""
        top = entry.get("top") if isinstance(entry, Mapping) else None
        if not title or len(title) > 64:
            raise ValueError("称号名称须为 1–64 个字")
        if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 10_000:
            raise ValueError("称号授予名次须为正整数")
        checked.append({"title": title, "top": top})
    return checked


def titles(ranked: Sequence[Ranked], config: Sequence[Mapping]) -> list[str]:
    """Each ranked row's title ("" for none): the first title (in the order configured)
    whose `top` covers the row's rank; a tie at the boundary shares the title."""
    checked = check_titles(config)
    return [next((t["title"] for t in checked if entry.rank <= t["top"]), "") for entry in ranked]


def promoted(ranked: Sequence[Ranked], top: int | None) -> list[bool]:
    """Whether each ranked row is flagged for certification one level up: rank ≤ `top`
    (a tie at the boundary is flagged too); nobody when `top` is None or 0."""
    if top is None:
        return [False] * len(ranked)
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise ValueError("晋级名次须为不小于 0 的整数")
    return [entry.rank <= top for entry in ranked]
