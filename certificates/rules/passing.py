"""Scores and the pass rule of a certification batch (认定成绩与合格判定).

Everything is exact and in centipoints (6000 = 60 分). An item's mark combines its
assessors' latest marks with `competitions.rules.scoring` (the same strategies as a
competition's rubric: single, mean, trimmed_mean). A part's score is out of 100: the sum of
its items' combined marks as a share of the items' maximum (the items of a part are meant to
add up to 100 points, so the share is the sum; a rubric of 80 points still scores out of 100),
rounded half up to a whole centipoint. The theory score is the exam's counted percentage,
rounded the same way.

The pass rule: every part reaches its pass mark — theory and practical always, the review
(综合评审) only for the levels that need one (二级, 一级). A part with no score (absent from
the exam, an item nobody marked) fails.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from certificates.rules.levels import needs_review
from competitions.rules.scoring import combine, round_centipoints

FULL = 10_000  # 100 points in centipoints
PART_LABELS = {"theory": "理论知识考试", "practical": "操作技能考核", "review": "综合评审"}


def item_mark(marks: Sequence[int], aggregation: str) -> Fraction | None:
    """The combined mark of one item (centipoints, exact) from each assessor's latest mark;
    None when nobody marked it."""
    return combine(list(marks), aggregation)


def part_score(items: Sequence[tuple[int, Fraction | int | None]]) -> int | None:
    """The part's score out of 100 (centipoints) from (item maximum, combined mark) pairs;
    None when the part has no items or any item is unmarked."""
    if not items:
        return None
    maximum = sum(max_points for max_points, _ in items)
    if maximum <= 0:
        raise ValueError("评分项满分合计须大于 0")
    marks = [mark for _, mark in items]
    if any(mark is None for mark in marks):
        return None
    total = sum((Fraction(mark) for mark in marks), Fraction(0))
    return min(FULL, round_centipoints(total * FULL / maximum))


def theory_score(percent: Fraction | int | None) -> int | None:
    """The theory exam's counted percentage (exact) as centipoints of 100; None: no attempt."""
    if percent is None:
        return None
    percent = Fraction(percent)
    if not 0 <= percent <= 100:
        raise ValueError("理论成绩须在 0–100 之间")
    return round_centipoints(percent * 100)


@dataclass(frozen=True)
class Scores:
    """A candidate's part scores (centipoints of 100; None: no score)."""

    theory: int | None
    practical: int | None
    review: int | None = None


@dataclass(frozen=True)
class PassMarks:
    """A batch's pass mark of each part (centipoints of 100, 6000 unless the batch says)."""

    theory: int = 6000
    practical: int = 6000
    review: int = 6000


def counted_parts(level: int) -> tuple[str, ...]:
    """The parts that decide a candidate of `level`: the review only for 二级 and 一级."""
    return ("theory", "practical", "review") if needs_review(level) else ("theory", "practical")


def failed_parts(scores: Scores, marks: PassMarks, level: int) -> list[str]:
    """The counted parts below their pass mark (or without a score), in order."""
    return [
        part
        for part in counted_parts(level)
        if getattr(scores, part) is None or getattr(scores, part) < getattr(marks, part)
    ]


def passes(scores: Scores, marks: PassMarks, level: int) -> bool:
    """Whether the candidate passes: every counted part at or above its pass mark."""
    return not failed_parts(scores, marks, level)


def why_failed(scores: Scores, marks: PassMarks, level: int) -> str:
    """The reason in Chinese ("" when passed), e.g. "操作技能考核未达合格线"."""
    parts = failed_parts(scores, marks, level)
    if not parts:
        return ""
    return "、".join(PART_LABELS[p] for p in parts) + "未达合格线"
