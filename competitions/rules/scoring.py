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
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

CENTS = 100
# No rubric item or total comes near this; it bounds what a request can make us store.
MAX_CENTIPOINTS = 100_000 * CENTS
JUDGEMENT_SCALE = 3  # WorldSkills' judgement marks: 0, 1, 2, 3
TRIM_FROM = 5  # marks needed before the highest and lowest are dropped

_TWO_PLACES = Decimal("0.01")


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


def to_decimal(value: int | Fraction, *, scale: int = CENTS) -> Decimal:
    """`value` / `scale` as a Decimal with two places, half up (centipoints → points by
    default; `scale=1` rounds a figure already in points or percent)."""
    exact = Fraction(value) / scale
    quotient = Decimal(exact.numerator) / Decimal(exact.denominator)
    # Decimal division carries 28 significant digits: far beyond two places for any score.
    return quotient.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def format_points(value: int | Fraction) -> str:
    """Centipoints (an int, or a `Fraction` such as a mean) as points text: "12.50"."""
    return str(to_decimal(value))


def round_centipoints(value: Fraction) -> int:
    """A Fraction of centipoints rounded to a whole centipoint, half up."""
    return int(to_decimal(value) * CENTS)


def _single(marks: Sequence[int]) -> Fraction:
    return Fraction(marks[-1])


def _mean(marks: Sequence[int]) -> Fraction:
    return Fraction(sum(marks), len(marks))


def _trimmed_mean(marks: Sequence[int]) -> Fraction:
    if len(marks) < TRIM_FROM:
        return _mean(marks)
    kept = sorted(marks)[1:-1]
    return Fraction(sum(kept), len(kept))


AGGREGATIONS: dict[str, Callable[[Sequence[int]], Fraction]] = {
    "single": _single,
    "mean": _mean,
    "trimmed_mean": _trimmed_mean,
}


def combine(marks: Sequence[int], aggregation: str) -> Fraction | None:
    """The item's mark (centipoints, exact) from its judges' marks, oldest first; None
    when nobody has marked it yet."""
    try:
        strategy = AGGREGATIONS[aggregation]
    except KeyError:
        raise ValueError(f"未知的评分汇总方式：{aggregation}") from None
    if not marks:
        return None
    return strategy(list(marks))


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


def spread_exceeds(marks: Sequence[int], max_centipoints: int, threshold_percent: int) -> bool:
    """Whether the judges disagree: highest − lowest mark > threshold % of the item's maximum
    (a spread exactly at the threshold needs no decision)."""
    if len(marks) < 2:
        return False
    spread = max(marks) - min(marks)
    return spread * 100 > threshold_percent * max_centipoints


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
