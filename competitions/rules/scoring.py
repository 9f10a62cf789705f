"""Marks and scores of a practical round (实操评分): parsing, combining judges, totals.

Everything is exact. Marks are integer centipoints (points × 100), as stored; combined marks
and totals are `Fraction`s, rounded only where a figure is shown or stored (`to_decimal`:
two places, half up — 四舍五入, as score sheets are written by hand).

How several judges' marks on one item combine is a small registry of strategies,
`AGGREGATIONS` (the keys are `RubricItem.aggregation`):

- ``single``: one judge's mark. An item meant for one judge can still receive marks from two
  (a judge replaced mid-event): the latest mark counts — the caller passes marks oldest
  first — and the standings flag the item for the chief judge when the two differ by more
  than the event's threshold, so no mark silently disappears.
- ``mean``: the mean of every judge's mark.
- ``trimmed_mean``: with at least five marks, one highest and one lowest are dropped and
  the rest averaged (WorldSkills' judgement marking: five judges, the outliers dropped);
  with fewer than five, dropping two would leave too few to be fair, so the plain mean.
"""

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import NamedTuple

CENTS = 100
# No rubric item or total comes near this; it bounds what a request can make us store.
MAX_CENTIPOINTS = 100_000 * CENTS
JUDGEMENT_SCALE = 3  # WorldSkills' judgement marks: 0, 1, 2, 3
TRIM_FROM = 5  # marks needed before the highest and lowest are dropped


def parse_points(value, *, maximum: int | None = None) -> int:
    """Centipoints from "12.5", 12.5, 12 or Decimal("12.50"): at most two decimals, ≥ 0.

    A JSON number arrives as a float; it is read through its shortest decimal text
    (`repr`), so 12.3 is 12.30 and never 12.2999…. `maximum` (centipoints) bounds it.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError("分数须为数字")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 20:
            raise ValueError("分数须为数字")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("分数须为数字") from None
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    else:
        raise ValueError("分数须为数字")
    if not number.is_finite():
        raise ValueError("分数须为数字")
    if number < 0:
        raise ValueError("分数不能为负数")
    scaled = number * CENTS
    if scaled != scaled.to_integral_value():
        raise ValueError("分数最多保留两位小数")
    centipoints = int(scaled)
    bound = MAX_CENTIPOINTS if maximum is None else maximum
    if centipoints > bound:
        raise ValueError(f"分数不能超过 {format_points(bound)}")
    return centipoints


def _half_up(numerator: int, denominator: int) -> int:
    # Integer arithmetic: a board rounds thousands of marks per update, and Decimal
    # division with quantize is several times slower for the same result.
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)  # half away from 0
    return -magnitude if numerator < 0 else magnitude


def round_centipoints(value: int | Fraction) -> int:
    """Centipoints (a Fraction such as a mean) rounded to a whole centipoint, half up."""
    if isinstance(value, int):
        return value
    return _half_up(value.numerator, value.denominator)


def to_decimal(value: int | Fraction | Decimal, *, scale: int = CENTS) -> Decimal:
    """`value` / `scale` as a Decimal with two places, half up (centipoints → points by
    default; `scale=1` rounds a figure already in points or percent)."""
    if isinstance(value, int) and scale == CENTS:
        return Decimal(value).scaleb(-2)
    if not isinstance(value, Fraction):
        value = Fraction(value)
    hundredths = _half_up(value.numerator * 100, value.denominator * scale)
    return Decimal(hundredths).scaleb(-2)


def format_points(value: int | Fraction) -> str:
    """Centipoints (an int, or a `Fraction` such as a mean) as points text: "12.50"."""
    return str(to_decimal(value))


class MarkSummary(NamedTuple):
    """All an aggregation or the disagreement check needs of an item's marks: how many,
    their sum, the lowest, the highest and the latest (centipoints). A database can compute
    it for thousands of items at once, so a large board never moves every mark around."""

    count: int
    total: int
    lowest: int
    highest: int
    latest: int


def summarise(marks: Sequence[int]) -> MarkSummary | None:
    """The summary of marks given oldest first; None for no marks."""
    if not marks:
        return None
    return MarkSummary(len(marks), sum(marks), min(marks), max(marks), marks[-1])


def _single(marks: MarkSummary) -> Fraction:
    return Fraction(marks.latest)


def _mean(marks: MarkSummary) -> Fraction:
    return Fraction(marks.total, marks.count)


def _trimmed_mean(marks: MarkSummary) -> Fraction:
    if marks.count < TRIM_FROM:
        return _mean(marks)
    return Fraction(marks.total - marks.lowest - marks.highest, marks.count - 2)


AGGREGATIONS: dict[str, Callable[[MarkSummary], Fraction]] = {
    "single": _single,
    "mean": _mean,
    "trimmed_mean": _trimmed_mean,
}


def _summary(marks: Sequence[int] | MarkSummary | None) -> MarkSummary | None:
    if marks is None or isinstance(marks, MarkSummary):
        return marks
    return summarise(list(marks))


def combine(marks: Sequence[int] | MarkSummary | None, aggregation: str) -> Fraction | None:
    """The item's mark (centipoints, exact) from its judges' marks (oldest first, or their
    summary); None when nobody has marked it yet."""
    try:
        strategy = AGGREGATIONS[aggregation]
    except KeyError:
        raise ValueError(f"未知的评分汇总方式：{aggregation}") from None
    summary = _summary(marks)
    return None if summary is None else strategy(summary)


def _check_maximum(max_centipoints: int) -> None:
    if isinstance(max_centipoints, bool) or not isinstance(max_centipoints, int):
        raise ValueError("评分项满分须为整数分值")
    if not 0 < max_centipoints <= MAX_CENTIPOINTS:
        raise ValueError("评分项满分须大于 0")


def judgement_points(scale_mark: int, max_centipoints: int) -> int:
    """Centipoints of a 0–3 judgement mark on an item worth `max_centipoints`.

    The mark is a share of the item: 3 is full marks, 0 nothing, 1 and 2 a third and two
    thirds, rounded half up to a whole centipoint (10 points: 3.33 and 6.67), so that a
    judge's entry is stored, shown and summed as the same two-place figure.
    """
    _check_maximum(max_centipoints)
    if isinstance(scale_mark, bool) or not isinstance(scale_mark, int):
        raise ValueError("评价分须为 0–3 的整数")
    if not 0 <= scale_mark <= JUDGEMENT_SCALE:
        raise ValueError("评价分须为 0–3 的整数")
    return round_centipoints(Fraction(max_centipoints * scale_mark, JUDGEMENT_SCALE))


def measurement_points(max_centipoints: int, deduction: int = 0) -> int:
    """Centipoints of a measurement item: full marks less a deduction (扣分), never below 0."""
    _check_maximum(max_centipoints)
    if isinstance(deduction, bool) or not isinstance(deduction, int):
        raise ValueError("扣分须为整数分值")
    if deduction < 0:
        raise ValueError("扣分不能为负数")
    if deduction > max_centipoints:
        raise ValueError(f"扣分不能超过该项满分 {format_points(max_centipoints)}")
    return max_centipoints - deduction


def spread_exceeds(
    marks: Sequence[int] | MarkSummary | None, max_centipoints: int, threshold_percent: int
) -> bool:
    """Whether the judges disagree: highest − lowest mark > threshold % of the item's maximum
    (a spread exactly at the threshold needs no decision)."""
    summary = _summary(marks)
    if summary is None or summary.count < 2:
        return False
    return (summary.highest - summary.lowest) * 100 > threshold_percent * max_centipoints


def event_total(
    practical: int | Fraction,
    practical_max: int,
    theory_percent: int | Decimal | Fraction | None,
    theory_weight_percent: int,
) -> Fraction:
    """The contestant's total out of 100: the practical as a share of its maximum and the
    theory score (out of 100) weighted by the event's theory weight, e.g. 30 / 70.

    Without a theory round (`theory_percent` None) or with a weight of 0 the practical
    counts 100%.
    """
    if practical_max <= 0:
        raise ValueError("实操满分须大于 0")
    if not 0 <= theory_weight_percent <= 100:
        raise ValueError("理论成绩权重须在 0–100 之间")
    practical_percent = Fraction(practical) * 100 / practical_max
    if theory_percent is None or theory_weight_percent == 0:
        return practical_percent
    theory = Fraction(theory_percent)
    if not 0 <= theory <= 100:
        raise ValueError("理论成绩须在 0–100 之间")
    weight = Fraction(theory_weight_percent, 100)
    return practical_percent * (1 - weight) + theory * weight
